"""`make bench`: timings that are printed, never asserted (a slow machine must not fail a test).

Run with `.venv/bin/python -m tests.bench`. Each figure is the median time per call over many
batches, with the 10th-90th percentile spread, so noise from the machine shows as spread.
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import django

# A throwaway database, so the figures never touch (or depend on) the developer's db.sqlite3.
_workdir = tempfile.mkdtemp(prefix="pathway-bench-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_workdir}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pathway.settings")
os.environ.setdefault("DEBUG", "1")  # timings as on a developer's machine, like before
# One in-process client posts hundreds of times a second: the cost of the views, not the limits.
os.environ.setdefault("RATELIMIT_ENABLE", "0")
django.setup()

import yaml  # noqa: E402

from pathway.engine import evaluate, invariants  # noqa: E402
from pathway.engine.conditions import Criterion  # noqa: E402
from pathway.engine.model import Snapshot  # noqa: E402
from pathway.seeds import reader, writer  # noqa: E402

SEEDED = Path(__file__).resolve().parent.parent / "seeds" / "pathways" / "lumbar-radicular"


def measure(call: Callable[[], object], *, batches: int = 60, per_batch: int = 20) -> list[float]:
    """Seconds per call, one figure per batch."""
    call()  # warm up
    figures = []
    for _ in range(batches):
        start = time.perf_counter()
        for _ in range(per_batch):
            call()
        figures.append((time.perf_counter() - start) / per_batch)
    return figures


def describe(figures: list[float]) -> tuple[float, float, float]:
    ordered = sorted(figures)
    low = ordered[len(ordered) // 10]
    high = ordered[(len(ordered) * 9) // 10]
    return statistics.median(ordered), low, high


def row(label: str, figures: list[float], unit: str = "us") -> float:
    scale = {"us": 1e6, "ms": 1e3}[unit]
    median, low, high = describe(figures)
    print(
        f"  {label:<52} median {median * scale:9.1f} {unit}   "
        f"(p10 {low * scale:.1f} - p90 {high * scale:.1f})"
    )
    return median


def against(bare: list[float]) -> Callable[[str, list[float]], None]:
    """Print the bare page's figure; return a printer of other pages' figures as ratios to it."""
    base = row("bare page (/healthz)", bare, unit="ms")

    def ratio(label: str, figures: list[float]) -> None:
        median = row(label, figures, unit="ms")
        print(f"  {'':<52} {median / base:6.1f} x the bare page")

    return ratio


def scaled(snapshot: Snapshot, copies: int) -> Snapshot:
    """The pathway repeated `copies` times: every question and rule copied under new codes."""

    def rename(code: str, i: int) -> str:
        return code if i == 0 or code == "level" else f"{code}__{i}"

    questions, rules = [], []
    for i in range(copies):
        for q in snapshot.questions:
            questions.append(
                dataclasses.replace(
                    q,
                    code=rename(q.code, i),
                    enable_when=tuple(
                        tuple(Criterion(rename(c.subject, i), c.op, c.value) for c in group)
                        for group in q.enable_when
                    ),
                )
            )
        for r in snapshot.rules:
            rules.append(
                dataclasses.replace(
                    r,
                    code=rename(r.code, i),
                    condition=tuple(
                        tuple(Criterion(rename(c.subject, i), c.op, c.value) for c in group)
                        for group in r.condition
                    ),
                )
            )
    return dataclasses.replace(snapshot, questions=tuple(questions), rules=tuple(rules))


def scaled_answers(answers: dict, copies: int) -> dict:
    out = {}
    for i in range(copies):
        for code, value in answers.items():
            out[code if i == 0 else f"{code}__{i}"] = value
    return out


def engine() -> None:
    snapshot = reader.read_pathway(SEEDED).snapshot
    with (SEEDED / "cases.yaml").open() as handle:
        cases = [c["answers"] for c in yaml.safe_load(handle)["cases"]]
    print(
        f"Engine: seeded pathway ({len(snapshot.questions)} questions, "
        f"{len(snapshot.rules)} rules), {len(cases)} regression cases"
    )
    state = {"i": 0}

    def next_case() -> dict:
        state["i"] = (state["i"] + 1) % len(cases)
        return cases[state["i"]]

    row(
        "evaluate (validate, enable-when, localise, dispose)",
        measure(lambda: evaluate(snapshot, next_case(), what_would_change=False)),
    )
    row(
        "evaluate with what-would-change",
        measure(lambda: evaluate(snapshot, next_case()), batches=30, per_batch=5),
        unit="ms",
    )
    samples = iter(invariants.sample_answers(snapshot, 10**6, seed=1))
    row(
        "clinical invariants, one generated answer set",
        measure(lambda: invariants.violations(snapshot, next(samples)), batches=30, per_batch=10),
        unit="ms",
    )
    print("\nGrowth: the same pathway repeated N times (evaluate, no what-would-change)")
    base = None
    for copies in (1, 5, 10, 20):
        big = scaled(snapshot, copies)
        answers = [scaled_answers(case, copies) for case in cases]
        index = {"i": 0}

        def one(big=big, answers=answers, index=index) -> None:
            index["i"] = (index["i"] + 1) % len(answers)
            evaluate(big, answers[index["i"]], what_would_change=False)

        median = row(
            f"x{copies:<2} ({len(big.questions)} questions, {len(big.rules)} rules)",
            measure(one, batches=30, per_batch=max(1, 20 // copies)),
        )
        base = base or median
        print(f"  {'':<52} {median / base:5.1f} x the 1x time")


def pages() -> None:
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from pathway import services
    from pathway.models import Pathway

    setup_test_environment()
    call_command("migrate", verbosity=0)
    writer.load(SEEDED.parent.parent)
    pathway = Pathway.objects.published().get()
    with (SEEDED / "cases.yaml").open() as handle:
        cases = yaml.safe_load(handle)["cases"]
    assessments = []
    for case in cases:
        assessment = services.assessment_start(pathway=pathway)
        services.answers_record(assessment=assessment, values=case["answers"])
        assessments.append(assessment)
    client = Client()
    state = {"i": 0}

    def next_pk():
        state["i"] = (state["i"] + 1) % len(assessments)
        return assessments[state["i"]].pk

    def get(path: str, **headers: str) -> Callable[[], None]:
        def call() -> None:
            response = client.get(path.format(pk=next_pk()), **headers)
            assert response.status_code == 200, response.status_code

        return call

    answers_by_step = {}
    for question in pathway.questions.select_related("step"):
        answers_by_step.setdefault(question.step.code, []).append(question.code)

    def post(step: str) -> Callable[[], None]:
        def call() -> None:
            pk = next_pk()
            answers = cases[state["i"]]["answers"]
            form = {
                code: value if isinstance(value, list) else str(value)
                for code, value in answers.items()
                if code in answers_by_step[step]
            }
            response = client.post(f"/a/{pk}/{step}/", {**form, "nav": "continue"})
            assert response.status_code == 302, response.status_code

        return call

    print("\nPages, in process (Django test client, SQLite), one regression case per call;")
    print("the ratio is to the bare page (a view returning 'ok'), measured the same way")
    ratio = against(measure(get("/healthz"), batches=30, per_batch=20))

    for step in ("red_flags", "history", "exam"):
        ratio(f"step GET {step}", measure(get(f"/a/{{pk}}/{step}/"), batches=20, per_batch=5))
        ratio(
            f"step POST {step} (all answers, then redirect)",
            measure(post(step), batches=20, per_batch=5),
        )
    ratio(
        "step GET exam, gzip (as a browser asks for it)",
        measure(get("/a/{pk}/exam/", HTTP_ACCEPT_ENCODING="gzip"), batches=20, per_batch=5),
    )
    ratio("result page", measure(get("/a/{pk}/result/"), batches=20, per_batch=5))
    ratio(
        "what would change (asked for when scrolled to)",
        measure(get("/a/{pk}/result/changes/"), batches=20, per_batch=5),
    )
    ratio(
        "handout HTML, patient",
        measure(get("/a/{pk}/handout/?for=patient"), batches=20, per_batch=5),
    )
    ratio(
        "handout HTML, clinician",
        measure(get("/a/{pk}/handout/?for=clinician"), batches=20, per_batch=5),
    )
    ratio(
        "handout PDF, patient (WeasyPrint)",
        measure(get("/a/{pk}/handout.pdf?for=patient"), batches=12, per_batch=1),
    )
    ratio(
        "handout PDF, clinician (WeasyPrint)",
        measure(get("/a/{pk}/handout.pdf?for=clinician"), batches=12, per_batch=1),
    )


def served() -> None:
    """The same pages from the production server (gunicorn, DEBUG off, one worker and thread)
    over HTTP with a kept-alive connection: server time as a browser waits for it, HTTP and
    WSGI included, with the database the in-process figures used."""
    import http.client
    import secrets
    import socket
    import subprocess
    import sys

    from pathway.models import Assessment

    root = Path(__file__).resolve().parent.parent
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_PROXY_SSL_HEADER": "1",
        "WORKERS": "1",
        "THREADS": "1",
        "BIND": f"127.0.0.1:{port}",
    }
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "collectstatic", "--no-input", "-v0"], env=env, cwd=root, check=True
    )
    gunicorn = str(Path(python).with_name("gunicorn"))
    server = subprocess.Popen(
        [gunicorn, "pathway.wsgi", "--config", "gunicorn.conf.py", "--access-logfile", "/dev/null"],
        env=env,
        cwd=root,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        pks = list(Assessment.objects.values_list("pk", flat=True))
        state = {"i": 0}

        def get(path: str, **headers: str) -> Callable[[], None]:
            def call() -> None:
                state["i"] = (state["i"] + 1) % len(pks)
                connection.request(
                    "GET",
                    path.format(pk=pks[state["i"]]),
                    headers={"X-Forwarded-Proto": "https", **headers},
                )
                response = connection.getresponse()
                response.read()
                assert response.status == 200, response.status

            return call

        print("\nPages from the production server over HTTP (gunicorn, DEBUG off, one worker and")
        print("thread, kept-alive connection); the ratio is to the bare page served the same way")
        ratio = against(measure(get("/healthz"), batches=30, per_batch=20))
        gzip = {"Accept-Encoding": "gzip"}
        for label, path, headers in (
            ("step GET red_flags", "/a/{pk}/red_flags/", {}),
            ("step GET history", "/a/{pk}/history/", {}),
            ("step GET exam", "/a/{pk}/exam/", {}),
            ("step GET exam, gzip", "/a/{pk}/exam/", gzip),
            ("result page", "/a/{pk}/result/", {}),
            ("result page, gzip", "/a/{pk}/result/", gzip),
        ):
            ratio(label, measure(get(path, **headers), batches=20, per_batch=5))
        row(
            "handout PDF, patient (WeasyPrint)",
            measure(get("/a/{pk}/handout.pdf?for=patient"), batches=12, per_batch=1),
            unit="ms",
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    print("make bench: figures are per call; lower is better. Nothing here is asserted.\n")
    engine()
    pages()
    served()


if __name__ == "__main__":
    main()
