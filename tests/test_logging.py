"""No log line holds a full assessment id: Django's request logging and gunicorn's logs."""

import io
import logging
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.urls import reverse

from pathway.log_masking import MaskAssessmentIds, mask

ROOT = Path(__file__).resolve().parent.parent
SECRET = "log-test-only-" + "q8W#e2R!t5Y$u9I" * 4


def test_mask_keeps_the_reference_and_drops_the_rest():
    pk = uuid.UUID("1a2b3c4d-0000-4000-8000-00000000abcd")
    line = f"GET /a/{pk}/history/ and /a/{pk.hex}/"
    assert mask(line) == "GET /a/1a2b3c4d-…/history/ and /a/1a2b3c4d-…/"


def test_djangos_request_log_never_holds_a_full_assessment_id(client, seeded):
    handlers = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, MaskAssessmentIds) for f in h.filters)
    ]
    assert handlers, "the root handler masks assessment ids"
    stream = io.StringIO()
    previous = handlers[0].setStream(stream)
    try:
        pk = uuid.uuid4()
        assert client.get(reverse("resume", kwargs={"pk": pk})).status_code == 404
    finally:
        handlers[0].setStream(previous)
    assert "Not Found: /a/" in stream.getvalue()
    assert str(pk) not in stream.getvalue() and str(pk)[:8] in stream.getvalue()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorns_access_and_error_logs_never_hold_a_full_assessment_id(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
    env.update(
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        DJANGO_SETTINGS_MODULE="pathway.settings",
        BIND=f"127.0.0.1:{port}",
        WORKERS="1",
        DATABASE_URL=f"sqlite:///{tmp_path}/missing.sqlite3",
    )
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        serve_and_request(env, log, port, pk := uuid.uuid4())
    output = log_path.read_text()
    assert f'"GET /nowhere/{str(pk)[:8]}-…/ HTTP/1.1" 404' in output, output
    assert str(pk) not in output and pk.hex not in output


def serve_and_request(env, log, port, pk) -> None:
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "pathway.wsgi",
            "--config",
            "gunicorn.conf.py",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    # One unknown page (Django logs "Not Found") and one that fails (no
                    # database: an error with a traceback), both with the id in the URL.
                    for path in (f"/nowhere/{pk}/", f"/a/{pk}/review/"):
                        sock.sendall(
                            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            f"Referer: http://127.0.0.1/a/{pk}/\r\n\r\n".encode()
                        )
                        time.sleep(0.5)
                    sock.recv(65536)
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)
