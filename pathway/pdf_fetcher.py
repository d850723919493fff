"""What WeasyPrint may read while it draws a handout: the app's own static files, nothing else.

Imported only when a PDF is drawn (WeasyPrint is slow to import). A handout is drawn from
content that editors write; a fetch of any other address could reach the network (an internal
service, a metadata endpoint) or the server's own files, and put them in a PDF.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint.urls import URLFetcher


def static_roots() -> list[Path]:
    """The project's static directories and, once collected, STATIC_ROOT."""
    roots = [Path(settings.STATIC_ROOT)]
    for finder in finders.get_finders():
        roots.extend(Path(root) for _, root in getattr(finder, "locations", []))
    return [root.resolve() for root in roots]


# The fetcher reads files only, so it never makes a TLS connection: a client context trusting no
# certificate spares loading the system's store (a tenth of each PDF's time), and would refuse
# any server were one ever asked for.
_NO_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class StaticFilesOnly(URLFetcher):
    def __init__(self) -> None:
        super().__init__(allowed_protocols={"file"}, allow_redirects=False, ssl_context=_NO_TLS)
        self.roots = static_roots()

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme.lower() == "file" and parts.netloc in {"", "localhost"}:
            path = Path(url2pathname(parts.path)).resolve()
            if path.is_file() and any(path.is_relative_to(root) for root in self.roots):
                return super().fetch(path.as_uri(), headers)
        raise ValueError(f"handouts read only the app's static files, not {url[:100]}")
