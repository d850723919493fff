"""The simulated users of `make load`, for locust; `tests/load.py` runs them a phase at a time.

Clinicians walk whole assessments (or answer one step again and again); the attackers of issue
13 run beside them in the mixed phase. Every simulated person has its own address, sent in
X-Forwarded-For as a reverse proxy would (the server runs with PROXY_COUNT=1), so per-address
rate limits hold back the attackers and not the clinicians. Each request's time and status are
written to LOAD_RESULTS (JSON) when locust stops; load.py reports them.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from collections import Counter, defaultdict
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from urllib.parse import urlencode

import gevent
import yaml
from gevent import socket
from locust import FastHttpUser, User, between, constant, events, task

ROOT = Path(__file__).resolve().parent.parent
STEPS = ("red_flags", "history", "exam")
CASES = yaml.safe_load(
    (ROOT / "seeds" / "pathways" / "lumbar-radicular" / "cases.yaml").read_text()
)["cases"]
# Question code -> step code, from the published pathway (load.py passes it in).
STEP_OF: dict[str, str] = json.loads(os.environ.get("LOAD_STEP_OF", "{}"))
ANSWERS = {
    case["code"]: {
        step: {
            code: value if isinstance(value, list) else str(value)
            for code, value in case["answers"].items()
            if STEP_OF.get(code) == step
        }
        for step in STEPS
    }
    for case in CASES
}
ADMIN_USERNAME = "admin"

# Each locust run gets its own range of addresses (load.py numbers the runs), so one run's
# clinicians do not inherit another's rate-limit counts.
_addresses = itertools.count(1000 * int(os.environ.get("LOAD_RUN", "0")) + 1)
times: dict[str, list[float]] = defaultdict(list)
statuses: dict[str, Counter] = defaultdict(Counter)
completed: list[tuple[str, str]] = []
slow_connections: Counter = Counter()


failures: dict[str, Counter] = defaultdict(Counter)


@events.request.add_listener
def record(name, response_time, response=None, exception=None, **kwargs):
    times[name].append(response_time / 1000)
    status = getattr(response, "status_code", 0) if response is not None else 0
    statuses[name][str(status or type(exception).__name__)] += 1
    if exception is not None:  # an unexpected status (see Person.judge) or no answer at all
        failures[name][str(exception)[:80]] += 1


@events.quitting.add_listener
def write_results(environment, **kwargs):
    path = os.environ.get("LOAD_RESULTS")
    if path:
        Path(path).write_text(
            json.dumps(
                {
                    "times": times,
                    "statuses": statuses,
                    "failures": failures,
                    "completed": completed,
                    "slow_connections": slow_connections,
                }
            )
        )


def next_address() -> str:
    n = next(_addresses)
    return f"127.{1 + n // 62500}.{n // 250 % 250}.{n % 250 + 1}"


class Person(FastHttpUser):
    """One browser: its own address and cookies. The server's cookies are Secure (production
    settings) and this talks plain HTTP to 127.0.0.1, so the cookie policy allows that."""

    abstract = True
    wait_time = constant(0)

    def on_start(self) -> None:
        self.address = next_address()
        self.client.cookiejar.set_policy(
            DefaultCookiePolicy(secure_protocols=("https", "wss", "http"))
        )

    def headers(self, **extra: str) -> dict[str, str]:
        return {"X-Forwarded-For": self.address, **extra}

    def csrf_token(self) -> str:
        return next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), "")

    def get(self, path: str, name: str, expect=(200,)):
        with self.client.get(
            path, name=name, headers=self.headers(), catch_response=True, allow_redirects=False
        ) as response:
            self.judge(response, expect)
        return response

    def post(self, path: str, form: dict, name: str, expect=(302,), **headers: str):
        # Digits need no escaping: the 2 MB of junk is joined, not encoded, every time.
        junk = {k: v for k, v in form.items() if isinstance(v, str) and len(v) > 10_000}
        body = urlencode(
            {
                **{k: v for k, v in form.items() if k not in junk},
                "csrfmiddlewaretoken": self.csrf_token(),
            },
            doseq=True,
        )
        body += "".join(f"&{k}={v}" for k, v in junk.items())
        with self.client.post(
            path,
            data=body,
            name=name,
            catch_response=True,
            allow_redirects=False,
            headers=self.headers(
                **{"Content-Type": "application/x-www-form-urlencoded"}, **headers
            ),
        ) as response:
            self.judge(response, expect)
        return response

    @staticmethod
    def judge(response, expect) -> None:
        if response.status_code in expect:
            response.success()
        else:
            response.failure(f"HTTP {response.status_code}")

    def start_assessment(self, name: str = "start (POST)", expect=(302,)) -> str | None:
        self.get("/", "start page")
        response = self.post("/a/", {}, name, expect=expect)
        if response.status_code != 302:
            return None
        return response.headers["Location"].strip("/").split("/")[1]

    def walk(self, pk: str, case: dict) -> None:
        for step in STEPS:
            path = f"/a/{pk}/{step}/"
            self.get(path, "step GET")
            form = {**ANSWERS[case["code"]][step], "nav": "continue"}
            response = self.post(path, form, "step POST")
            if response.headers.get("Location", "").startswith(path):  # a question appeared
                self.post(path, form, "step POST")
        self.get(f"/a/{pk}/review/", "review GET")
        self.post(f"/a/{pk}/review/", {}, "review POST")
        self.get(f"/a/{pk}/result/", "result")


# --- clinicians --------------------------------------------------------------------------------


class Clinician(Person):
    """Complete assessments, one after another: start, every step, review, result, handout.

    Each assessment is a different clinician (a new address): one simulated user walks an
    assessment every few seconds, far faster than a person, and would otherwise be held back by
    the per-address limit on starting assessments."""

    @task
    def assess(self) -> None:
        self.address = next_address()
        case = random.choice(CASES)
        pk = self.start_assessment()
        if pk is None:
            return
        self.walk(pk, case)
        self.get(f"/a/{pk}/handout/?for=patient", "handout HTML")
        completed.append((pk, case["code"]))


class StepClinician(Person):
    """One assessment each, then its history step answered again and again."""

    def on_start(self) -> None:
        super().on_start()
        self.case = random.choice(CASES)
        self.pk = self.start_assessment()
        if self.pk:
            form = {**ANSWERS[self.case["code"]]["red_flags"], "nav": "continue"}
            self.post(f"/a/{self.pk}/red_flags/", form, "setup")

    @task
    def answer(self) -> None:
        if not self.pk:
            return
        path = f"/a/{self.pk}/history/"
        self.get(path, "step GET")
        self.post(path, {**ANSWERS[self.case["code"]]["history"], "nav": "continue"}, "step POST")


class Bare(Person):
    """The baseline: a bare page."""

    @task
    def bare(self) -> None:
        self.get("/healthz", "bare page")


class HealthCheck(Person):
    """A load balancer's checks, twice a second, beside everything else."""

    fixed_count = 1
    wait_time = constant(0.5)

    @task
    def check(self) -> None:
        self.get("/healthz", "health check")
        self.get("/readyz", "readiness check")


# --- attackers (issue 13) ----------------------------------------------------------------------

# Refused: too many requests (429), or a body over DATA_UPLOAD_MAX_MEMORY_SIZE (400).
REFUSED = (400, 429)
JUNK = "9" * 2_000_000


FLOOD_ADDRESS = "127.254.0.1"


class StartFlood(Person):
    """One client creating assessments as fast as it can, over four connections."""

    fixed_count = 4

    def on_start(self) -> None:
        super().on_start()
        self.address = FLOOD_ADDRESS
        self.get("/", "attack: start")

    @task
    def flood(self) -> None:
        self.post("/a/", {}, "attack: start", expect=(302, *REFUSED))


class JunkAnswers(Person):
    """2 MB of junk in a number field, posted again and again (the memory attack)."""

    fixed_count = 1

    def on_start(self) -> None:
        super().on_start()
        self.pk = self.start_assessment("attack: junk answers", expect=(302, *REFUSED))
        if self.pk:
            self.post(
                f"/a/{self.pk}/red_flags/",
                {**ANSWERS[CASES[0]["code"]]["red_flags"], "nav": "continue"},
                "attack: junk answers",
            )

    @task
    def junk(self) -> None:
        if not self.pk:
            return
        self.post(
            f"/a/{self.pk}/history/",
            {"age": f"{random.randrange(10**9)}{JUNK}", "nav": "continue"},
            "attack: junk answers",
            expect=(200, *REFUSED),
        )


class PdfLoop(Person):
    """PDFs of one finished assessment, in a loop."""

    fixed_count = 2

    def on_start(self) -> None:
        super().on_start()
        self.pk = self.start_assessment("attack: PDF")
        if self.pk:
            self.walk(self.pk, CASES[0])

    @task
    def pdf(self) -> None:
        if self.pk:
            self.get(
                f"/a/{self.pk}/handout.pdf?for=clinician", "attack: PDF", expect=(200, *REFUSED)
            )


class PasswordGuesser(Person):
    """Wrong admin passwords, in a loop (then locked out)."""

    fixed_count = 2

    def on_start(self) -> None:
        super().on_start()
        self.get("/admin/login/", "attack: admin sign-in")

    @task
    def guess(self) -> None:
        self.post(
            "/admin/login/",
            {
                "username": ADMIN_USERNAME,
                "password": f"guess-{random.randrange(10**6)}",
                "otp_token": "123456",
            },
            "attack: admin sign-in",
            expect=(200, *REFUSED),
        )


class SlowHeaders(User):
    """A slowloris: a connection whose request headers come a few bytes a second, never ending."""

    fixed_count = 3
    wait_time = between(0.1, 0.2)

    @task
    def hold(self) -> None:
        host = self.host.split("://", 1)[1]
        address, port = host.rsplit(":", 1)
        try:
            with socket.create_connection((address, int(port)), timeout=10) as sock:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                slow_connections["opened"] += 1
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    gevent.sleep(1)
                    sock.sendall(b"X-Slow: 1\r\n")
                    slow_connections["header lines sent"] += 1
        except OSError:
            slow_connections["closed by the server"] += 1
