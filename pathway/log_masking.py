"""Assessment ids never reach a log in full.

An assessment URL grants access on its own (there is no login), so a log line holding one is a
key to a patient's answers. Every id is cut to its first eight characters (the reference
printed on the handout, enough to find a request in the logs, not enough to open it). Used by
Django's logging (settings.LOGGING) and by gunicorn's access and error logs (gunicorn.conf.py).
"""

from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger as GunicornLogger

UUID = re.compile(
    r"\b([0-9a-fA-F]{8})-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\b"
)


def mask(text: str) -> str:
    return UUID.sub(r"\1-…", text)


class MaskAssessmentIds(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
        return True


class MaskingGunicornLogger(GunicornLogger):
    """gunicorn's logger, with the masking filter on its access and error logs."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            log.addFilter(MaskAssessmentIds())


class WithoutTraceback(logging.Filter):
    """For refusals that are the client's doing (a request body over the size limit): one line
    in the log, not a traceback per request."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True
