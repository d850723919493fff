"""`make load`: gunicorn (2 workers) under 20 concurrent users, on SQLite and on PostgreSQL.

For each database: a bare page (the baseline, served by the same server), then complete
assessments (start, every step, review, result, handout HTML) for 30 seconds. It prints
requests per second, p50/p95/p99 latency and errors per kind of request, the step pages'
throughput against the baseline, and checks that no answer was lost. Nothing is asserted: the
figures are for reading. Everything stays on 127.0.0.1 and every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import functools
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

import yaml

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
print = functools.partial(print, flush=True)
USERS = 20
BASELINE_SECONDS = 15
FLOW_SECONDS = 30
SECRET = "load-test-only-" + "x7Q2#vL9!pR4$wN8" * 3
STEPS = ("red_flags", "history", "exam")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0", "SECRET_KEY": SECRET,
            "ALLOWED_HOSTS": "127.0.0.1,localhost", "SECURE_SSL_REDIRECT": "0",
            "DJANGO_SETTINGS_MODULE": "pathway.settings"}


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


class Client:
    """One simulated clinician: a keep-alive connection, its cookies, and timings."""

    def __init__(self, port: int, record):
        self.port = port
        self.record = record
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, kind: str, method: str, path: str, form: dict | None = None,
                expect: tuple[int, ...] = (200,)) -> tuple[int, str, str]:
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            form = {**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as exc:
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.record(kind, time.perf_counter() - start, f"{type(exc).__name__}")
            return 0, "", ""
        elapsed = time.perf_counter() - start
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        error = None if response.status in expect else f"HTTP {response.status}"
        self.record(kind, elapsed, error)
        return response.status, response.getheader("Location") or "", text


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)

    def __call__(self, kind: str, elapsed: float, error: str | None) -> None:
        with self.lock:
            self.times[kind].append(elapsed)
            if error:
                self.errors[kind].append(error)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_users(port: int, seconds: float, journey) -> tuple[Recorder, float]:
    recorder = Recorder()
    deadline = time.perf_counter() + seconds
    start = time.perf_counter()

    def user(number: int) -> None:
        client = Client(port, recorder)
        while time.perf_counter() < deadline:
            journey(client, number)

    threads = [threading.Thread(target=user, args=(i,)) for i in range(USERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    return recorder, time.perf_counter() - start


def baseline_journey(client: Client, number: int) -> None:
    client.request("bare page", "GET", "/healthz")


def flow_journey_for(cases: list[dict], answers_by_step: dict, completed: list, lock):
    def journey(client: Client, number: int) -> None:
        case = cases[number % len(cases)]
        client.request("start page", "GET", "/")
        status, location, _ = client.request("start (POST)", "POST", "/a/", {}, expect=(302,))
        if status != 302:
            return
        pk = location.strip("/").split("/")[1]
        for step in STEPS:
            path = f"/a/{pk}/{step}/"
            client.request("step GET", "GET", path)
            form = {**answers_by_step[case["code"]].get(step, {}), "nav": "continue"}
            status, location, _ = client.request("step POST", "POST", path, form, expect=(302,))
            if location.startswith(path):  # a question appeared on the same page
                client.request("step POST", "POST", path, form, expect=(302,))
        client.request("review GET", "GET", f"/a/{pk}/review/")
        client.request("review POST", "POST", f"/a/{pk}/review/", {}, expect=(302,))
        client.request("result", "GET", f"/a/{pk}/result/")
        client.request("handout HTML", "GET", f"/a/{pk}/handout/?for=patient")
        with lock:
            completed.append((pk, case["code"]))
    return journey


def report(label: str, recorder: Recorder, seconds: float) -> dict[str, float]:
    total = sum(len(v) for v in recorder.times.values())
    print(f"  {label}: {total} requests in {seconds:.1f} s = {total / seconds:.1f} req/s")
    print(f"    {'request':<14} {'count':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'errors':>7}")
    rates = {}
    for kind, values in recorder.times.items():
        rates[kind] = len(values) / seconds
        print(f"    {kind:<14} {len(values):>6} {rates[kind]:>7.1f} "
              f"{statistics.median(values) * 1000:>8.1f} {percentile(values, 0.95) * 1000:>8.1f}"
              f" {percentile(values, 0.99) * 1000:>8.1f} {len(recorder.errors[kind]):>7}")
        if recorder.errors[kind]:
            print(f"      errors: {sorted(set(recorder.errors[kind]))[:5]}")
    return rates


def serve(database_url: str, label: str) -> None:
    env = server_env(database_url)
    print(f"\n== {label} ({database_url.split('://')[0]})")
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "load_seeds")
    manage(env, "collectstatic", "--no-input", "-v0")
    port = free_port()
    server = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "pathway.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--log-level", "warning"],
        cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        with (ROOT / "seeds" / "pathways" / "lumbar-radicular" / "cases.yaml").open() as fh:
            cases = yaml.safe_load(fh)["cases"]
        steps = questions_by_step(env)
        answers_by_step = {
            case["code"]: {
                step: {code: value if isinstance(value, list) else str(value)
                       for code, value in case["answers"].items() if steps.get(code) == step}
                for step in STEPS
            }
            for case in cases
        }
        warm = Client(port, Recorder())
        for _ in range(5):
            warm.request("warm", "GET", "/healthz")
            warm.request("warm", "GET", "/")
        recorder, seconds = run_users(port, BASELINE_SECONDS, baseline_journey)
        base = report(f"baseline: the bare page, {USERS} users", recorder, seconds)["bare page"]
        completed: list = []
        journey = flow_journey_for(cases, answers_by_step, completed, threading.Lock())
        recorder, seconds = run_users(port, FLOW_SECONDS, journey)
        rates = report(f"complete assessments, {USERS} users, {len(completed)} completed",
                       recorder, seconds)
        step_rate = rates.get("step GET", 0) + rates.get("step POST", 0)
        step_times = recorder.times["step GET"] + recorder.times["step POST"]
        print(f"    step pages: {step_rate:.1f} req/s while sharing the server with the rest of "
              f"the journey; the bare page alone: {base:.1f} req/s")
        steps_only = run_users(port, BASELINE_SECONDS, steps_journey(cases, answers_by_step))
        only = report(f"step pages only (GET and POST), {USERS} users", *steps_only)
        only_rate = only.get("step GET", 0) + only.get("step POST", 0)
        only_times = steps_only[0].times["step GET"] + steps_only[0].times["step POST"]
        print(f"    step pages: {only_rate:.1f} req/s = {only_rate / base:.2f} x the bare page "
              f"(target 0.5 or more); p95 {percentile(only_times, 0.95) * 1000:.0f} ms "
              f"(target under 150 ms); in the full journey p95 "
              f"{percentile(step_times, 0.95) * 1000:.0f} ms")
        lost = verify(env, completed, cases)
        print(f"    lost answers: {lost} across {len(completed)} completed assessments")
    finally:
        server.terminate()
        server.wait(timeout=30)


def steps_journey(cases, answers_by_step):
    """Start one assessment per user, then answer its history step again and again."""
    state: dict[int, str] = {}

    def journey(client: Client, number: int) -> None:
        if number not in state:
            client.request("start page", "GET", "/")  # the CSRF cookie
            status, location, _ = client.request("start (POST)", "POST", "/a/", {},
                                                 expect=(302,))
            if status != 302:
                return
            pk = location.strip("/").split("/")[1]
            case = cases[number % len(cases)]
            form = {**answers_by_step[case["code"]]["red_flags"], "nav": "continue"}
            client.request("setup", "POST", f"/a/{pk}/red_flags/", form, expect=(302,))
            state[number] = pk
        pk = state[number]
        case = cases[number % len(cases)]
        path = f"/a/{pk}/history/"
        client.request("step GET", "GET", path)
        client.request("step POST", "POST", path,
                       {**answers_by_step[case["code"]]["history"], "nav": "continue"},
                       expect=(302,))
    return journey


def questions_by_step(env) -> dict[str, str]:
    out = subprocess.run(
        [PYTHON, "-c", "import django, json; django.setup(); from pathway.models import "
         "Question; print(json.dumps(dict(Question.objects.filter(pathway__status='published')"
         ".values_list('code', 'step__code'))))"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


VERIFY = """
import django, json, sys
django.setup()
from pathway.engine.evaluate import asked
from pathway.models import Assessment
from pathway.services import answers_for
from pathway.snapshot import snapshot_for
from pathway.engine import validate
completed, cases = json.load(sys.stdin)
lost = 0
for pk, code in completed:
    assessment = Assessment.objects.select_related("pathway").get(pk=pk)
    snapshot = snapshot_for(assessment.pathway)
    expected = asked(snapshot, validate(snapshot, cases[code]))
    stored = validate(snapshot, answers_for(assessment))
    lost += sum(1 for key, value in expected.items() if stored.get(key) != value)
print(lost)
"""


def verify(env, completed, cases) -> int:
    data = json.dumps([completed, {c["code"]: c["answers"] for c in cases}])
    out = subprocess.run([PYTHON, "-c", VERIFY], cwd=ROOT, env=env, input=data,
                         capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgres", "env"], default=None)
    args = parser.parse_args()
    if args.database == "env":  # inside .ci/with-postgres
        serve(os.environ["DATABASE_URL"], "PostgreSQL")
        return
    print(f"make load: gunicorn with 2 workers, {USERS} concurrent users; the load generator "
          "shares this machine's cores, so compare with the baseline, not across machines.")
    if args.database in (None, "sqlite"):
        workdir = tempfile.mkdtemp(prefix="pathway-load-")
        try:
            serve(f"sqlite:///{workdir}/load.sqlite3", "SQLite")
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.database in (None, "postgres"):
        subprocess.run([str(ROOT / ".ci" / "with-postgres"), PYTHON, "-m", "tests.load",
                        "--database", "env"], cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
