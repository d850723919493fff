"""`make load`: gunicorn (2 workers) under 20 concurrent users, on SQLite and on PostgreSQL.

The users are locust's (tests/locustfile.py), run headless a phase at a time; this script
starts the servers and databases, runs the phases and reports. For each database: a bare page
(the baseline, served by the same server); complete assessments (start, every step, review,
result, handout HTML) for 30 seconds; the step pages alone; then the same clinicians for 30
seconds beside the attacks of issue 13 (a start flood, junk answers, PDF loops, password
guessing, slow-header connections). It prints requests per second, p50/p95/p99 latency and
errors per kind of request, the step pages' throughput against the baseline, the clinicians'
latency with and without the attackers, what the attackers got, the workers' memory, and checks
that no answer was lost. Nothing is asserted: the figures are for reading. Everything stays on
127.0.0.1 (the addresses in X-Forwarded-For are only headers) and every run is bounded in time.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
print = functools.partial(print, flush=True)
USERS = 20
BASELINE_SECONDS = 15
FLOW_SECONDS = 30
SECRET = "load-test-only-" + "x7Q2#vL9!pR4$wN8" * 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str) -> dict[str, str]:
    # PROXY_COUNT=1: each simulated person sends its own address in X-Forwarded-For, as the
    # reverse proxy in front of a real deployment would.
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "PROXY_COUNT": "1",
        "DJANGO_SETTINGS_MODULE": "pathway.settings",
    }


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


RUNS = itertools.count(1)


def run_locust(
    port: int, users: int, seconds: int, classes: list[str], step_of: dict[str, str]
) -> tuple[dict, float]:
    """Run tests/locustfile.py headless; the times, statuses and completed assessments."""
    with tempfile.TemporaryDirectory(prefix="pathway-locust-") as workdir:
        results = Path(workdir) / "results.json"
        env = {
            **os.environ,
            "LOAD_RESULTS": str(results),
            "LOAD_STEP_OF": json.dumps(step_of),
            "LOAD_RUN": str(next(RUNS)),
        }
        start = time.perf_counter()
        subprocess.run(
            [
                str(Path(PYTHON).parent / "locust"),
                "-f",
                str(ROOT / "tests" / "locustfile.py"),
                "--headless",
                "--users",
                str(users),
                "--spawn-rate",
                str(users),
                "--run-time",
                f"{seconds}s",
                "--stop-timeout",
                "5",
                "--host",
                f"http://127.0.0.1:{port}",
                "--only-summary",
                "--loglevel",
                "ERROR",
                *classes,
            ],
            # locust's own summary goes to stderr; the figures are reported from LOAD_RESULTS.
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
            timeout=seconds + 120,
        )
        elapsed = min(time.perf_counter() - start, seconds)
        return json.loads(results.read_text()), elapsed


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(label: str, results: dict, seconds: float, kinds=None) -> dict[str, float]:
    times = {
        kind: values for kind, values in results["times"].items() if kinds is None or kind in kinds
    }
    total = sum(len(v) for v in times.values())
    print(f"  {label}: {total} requests in {seconds:.1f} s = {total / seconds:.1f} req/s")
    print(
        f"    {'request':<24} {'count':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'errors':>7}"
    )
    rates = {}
    for kind, values in sorted(times.items()):
        rates[kind] = len(values) / seconds
        errors = results["failures"].get(kind, {})
        print(
            f"    {kind:<24} {len(values):>6} {rates[kind]:>7.1f} "
            f"{statistics.median(values) * 1000:>8.1f} {percentile(values, 0.95) * 1000:>8.1f}"
            f" {percentile(values, 0.99) * 1000:>8.1f} {sum(errors.values()):>7}"
        )
        if errors:
            print(f"      errors: {sorted(errors)[:5]}")
    return rates


def worker_memory(server: subprocess.Popen) -> int:
    """The resident memory of the server's worker processes, in bytes."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(server.pid):
            total += int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
    return total


def serve(database_url: str, label: str) -> None:
    env = server_env(database_url)
    print(f"\n== {label} ({database_url.split('://')[0]})")
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "load_seeds")
    manage(env, "collectstatic", "--no-input", "-v0")
    port = free_port()
    # gunicorn.conf.py as `make serve` uses it (gthread workers), on a port of our own.
    # The server's own log (the attackers fill it with refusals) goes to a file.
    log_path = Path(tempfile.mkdtemp(prefix="pathway-load-")) / "server.log"
    server_log = log_path.open("w")
    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "pathway.wsgi",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        stderr=server_log,
    )
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        step_of = questions_by_step(env)
        with (ROOT / "seeds" / "pathways" / "lumbar-radicular" / "cases.yaml").open() as fh:
            cases = {case["code"]: case["answers"] for case in yaml.safe_load(fh)["cases"]}
        # Warm both workers, WeasyPrint included, before any figure or memory is read.
        run_locust(port, 6, 5, ["Bare", "Clinician", "PdfLoop"], step_of)

        results, seconds = run_locust(port, USERS, BASELINE_SECONDS, ["Bare"], step_of)
        base = report(f"baseline: the bare page, {USERS} users", results, seconds)["bare page"]

        results, seconds = run_locust(
            port, USERS + 1, FLOW_SECONDS, ["Clinician", "HealthCheck"], step_of
        )
        normal = report(
            f"complete assessments, {USERS} users (and a health check twice a "
            f"second), {len(results['completed'])} completed",
            results,
            seconds,
        )
        flow = results
        step_times = results["times"]["step GET"] + results["times"]["step POST"]
        step_rate = normal.get("step GET", 0) + normal.get("step POST", 0)
        print(
            f"    step pages: {step_rate:.1f} req/s while sharing the server with the rest of "
            f"the journey; the bare page alone: {base:.1f} req/s"
        )

        results, seconds = run_locust(port, USERS, BASELINE_SECONDS, ["StepClinician"], step_of)
        only = report(
            f"step pages only (GET and POST), {USERS} users",
            results,
            seconds,
            kinds={"step GET", "step POST"},
        )
        only_rate = only.get("step GET", 0) + only.get("step POST", 0)
        only_times = results["times"]["step GET"] + results["times"]["step POST"]
        print(
            f"    step pages: {only_rate:.1f} req/s = {only_rate / base:.2f} x the bare page "
            f"(target 0.5 or more); p95 {percentile(only_times, 0.95) * 1000:.0f} ms "
            f"(target under 150 ms); in the full journey p95 "
            f"{percentile(step_times, 0.95) * 1000:.0f} ms"
        )
        lost = verify(env, flow["completed"], cases)
        print(f"    lost answers: {lost} across {len(flow['completed'])} completed assessments")

        mixed(port, server, env, step_of, cases, flow)
    finally:
        server.terminate()
        server.wait(timeout=30)
        server_log.close()
        lines = log_path.read_text(errors="replace").splitlines()
        print(
            f"    server log: {len(lines)} lines ({log_path}); "
            f"{sum('Traceback' in line for line in lines)} tracebacks"
        )


ATTACKERS = {
    "StartFlood": 4,
    "JunkAnswers": 1,
    "PdfLoop": 2,
    "PasswordGuesser": 2,
    "SlowHeaders": 3,
}
ATTACKS = {
    "attack: start": "one client starting assessments in a loop (4 connections)",
    "attack: junk answers": "2 MB of junk in a number field, in a loop",
    "attack: PDF": "two clients drawing PDFs in a loop",
    "attack: admin sign-in": "two clients guessing the admin password",
}


def mixed(port, server, env, step_of, cases, flow) -> None:
    """The attacks of issue 13, beside the same clinicians as the complete-assessment phase."""
    memory_before = worker_memory(server)
    attackers = sum(ATTACKERS.values())
    results, seconds = run_locust(
        port, USERS + 1 + attackers, FLOW_SECONDS, ["Clinician", "HealthCheck", *ATTACKERS], step_of
    )
    memory_after = worker_memory(server)
    clinician_kinds = {
        k
        for k in results["times"]
        if not k.startswith("attack:") and k not in {"health check", "readiness check"}
    }
    report(
        f"mixed traffic: {USERS} clinicians, {len(results['completed'])} completed, beside "
        f"{attackers} attackers",
        results,
        seconds,
        kinds=clinician_kinds,
    )

    def all_times(run, kinds):
        return [t for kind in kinds for t in run["times"].get(kind, [])]

    calm = all_times(flow, clinician_kinds)
    busy = all_times(results, clinician_kinds)
    errors = sum(sum(results["failures"].get(kind, {}).values()) for kind in clinician_kinds)
    print(
        f"    clinicians: {errors} errors; p50 {statistics.median(busy) * 1000:.0f} ms "
        f"(without attackers {statistics.median(calm) * 1000:.0f} ms, "
        f"{statistics.median(busy) / statistics.median(calm):.2f} x), p95 "
        f"{percentile(busy, 0.95) * 1000:.0f} ms (without "
        f"{percentile(calm, 0.95) * 1000:.0f} ms, "
        f"{percentile(busy, 0.95) / percentile(calm, 0.95):.2f} x; target 2 x or less)"
    )
    for check in ("health check", "readiness check"):
        quiet, loud = flow["times"].get(check, []), results["times"].get(check, [])
        if quiet and loud:
            print(
                f"    {check}: p50 {statistics.median(loud) * 1000:.0f} ms, max "
                f"{max(loud) * 1000:.0f} ms (without attackers: p50 "
                f"{statistics.median(quiet) * 1000:.0f} ms, max {max(quiet) * 1000:.0f} ms); "
                f"{sum(results['failures'].get(check, {}).values())} errors"
            )
    for kind, what in ATTACKS.items():
        counts = results["statuses"].get(kind, {})
        total = sum(counts.values())
        refused = counts.get("429", 0) + counts.get("400", 0)
        # A junk body the server stopped reading after its 400 ends in a closed connection.
        closed = sum(n for status, n in counts.items() if not status.isdigit())
        print(
            f"    {what}: {total} requests, {refused} refused (429 or 400), {closed} cut off "
            f"by the server, {total - refused - closed} answered "
            f"{dict(sorted(counts.items()))}"
        )
    slow = results["slow_connections"]
    print(
        f"    three slow-header clients: {slow.get('opened', 0)} connections opened, "
        f"{slow.get('closed by the server', 0)} closed by the server"
    )
    print(
        f"    server workers' memory: {memory_before / 2**20:.0f} MB before, "
        f"{memory_after / 2**20:.0f} MB after "
        f"({(memory_after - memory_before) / 2**20:+.0f} MB)"
    )
    lost = verify(env, results["completed"], cases)
    print(f"    lost answers: {lost} across {len(results['completed'])} completed assessments")


def questions_by_step(env) -> dict[str, str]:
    out = subprocess.run(
        [
            PYTHON,
            "-c",
            "import django, json; django.setup(); from pathway.models import "
            "Question; print(json.dumps(dict(Question.objects.filter(pathway__status='published')"
            ".values_list('code', 'step__code'))))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
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


def verify(env, completed, cases: dict) -> int:
    data = json.dumps([completed, cases])
    out = subprocess.run(
        [PYTHON, "-c", VERIFY],
        cwd=ROOT,
        env=env,
        input=data,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgres", "env"], default=None)
    args = parser.parse_args()
    if args.database == "env":  # inside .ci/with-postgres
        serve(os.environ["DATABASE_URL"], "PostgreSQL")
        return
    print(
        f"make load: gunicorn with 2 workers, {USERS} concurrent users; the load generator "
        "shares this machine's cores, so compare with the baseline, not across machines."
    )
    if args.database in (None, "sqlite"):
        workdir = tempfile.mkdtemp(prefix="pathway-load-")
        try:
            serve(f"sqlite:///{workdir}/load.sqlite3", "SQLite")
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.database in (None, "postgres"):
        subprocess.run(
            [str(ROOT / ".ci" / "with-postgres"), PYTHON, "-m", "tests.load", "--database", "env"],
            cwd=ROOT,
            check=True,
        )


if __name__ == "__main__":
    main()
