"""gunicorn as `make serve` runs it: slow clients cannot stall the site."""

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECRET = "serve-test-only-" + "q8W#e2R!t5Y$u9I" * 4


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
    env.update(
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        DJANGO_SETTINGS_MODULE="pathway.settings",
        BIND=f"127.0.0.1:{port}",
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
    )
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "pathway.wsgi",
            "--config",
            "gunicorn.conf.py",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            if healthz(port, timeout=1) == 200:
                break
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def healthz(port: int, timeout: float) -> int | None:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return int(sock.recv(1024).split(b" ", 2)[1])
    except (OSError, IndexError, ValueError):
        return None


def test_slow_header_clients_do_not_stall_the_site(server):
    stop = threading.Event()

    def slow_client():
        # Headers a few bytes at a time and never finished: a slowloris.
        with socket.create_connection(("127.0.0.1", server), timeout=30) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            while not stop.wait(0.5):
                try:
                    sock.sendall(b"X-Slow: 1\r\n")
                except OSError:
                    return

    clients = [threading.Thread(target=slow_client) for _ in range(6)]
    for client in clients:
        client.start()
    try:
        time.sleep(1)  # the slow clients hold their connections
        answers = [healthz(server, timeout=10) for _ in range(10)]
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=30)
    assert answers == [200] * 10
