"""`make walkthrough`: how much work a typical case is, in a real browser. Printed, never asserted.

Serves the app (runserver on a throwaway SQLite database) and drives Debian's chromium through
a vignette the way a clinician would: with the mouse (clicks, typed characters) and with the
keyboard alone (every Tab, arrow, Space, Enter and digit pressed is counted). Then it prints
the height of every page at 1280x800 and 375x812, and the page count of each handout PDF.

Run with `.venv/bin/python -m tests.walkthrough [CASE]` (default V17, a typical L5 case).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
SEEDED = ROOT / "seeds" / "pathways" / "lumbar-radicular"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SIZES = {"desktop": (1280, 800), "phone": (375, 812)}


def cases() -> dict[str, dict]:
    with (SEEDED / "cases.yaml").open(encoding="utf-8") as handle:
        return {case["code"]: case for case in yaml.safe_load(handle)["cases"]}


def questions() -> dict[str, list[dict]]:
    with (SEEDED / "questions.yaml").open(encoding="utf-8") as handle:
        listed = yaml.safe_load(handle)["questions"]
    steps: dict[str, list[dict]] = {}
    for question in listed:
        steps.setdefault(question["step"], []).append(question)
    return steps


class Server:
    """runserver on a free port, on its own database, for as long as the `with` lasts."""

    def __enter__(self) -> str:
        self.workdir = tempfile.mkdtemp(prefix="pathway-walk-")
        env = {
            **os.environ,
            "DEBUG": "1",
            "DATABASE_URL": f"sqlite:///{self.workdir}/walk.sqlite3",
            # One person drawing a dozen PDFs in a minute to count their pages is measuring,
            # not abuse: the limits (tested elsewhere) would refuse the later ones.
            "RATELIMIT_ENABLE": "0",
        }
        python = str(ROOT / ".venv" / "bin" / "python")
        for command in (["migrate", "--no-input", "-v0"], ["load_seeds"]):
            subprocess.run(
                [python, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
            )
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.process = subprocess.Popen(
            [python, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=1)  # noqa: S310
                return url
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)


class Counter:
    def __init__(self, page: Page):
        self.page = page
        self.keys: dict[str, int] = {}
        self.clicks = 0
        self.typed = 0

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.keys[key] = self.keys.get(key, 0) + 1

    def type(self, text: str) -> None:
        for char in text:
            self.press(char)

    def click(self, selector: str) -> None:
        self.page.locator(selector).first.click()
        self.clicks += 1

    @property
    def total_keys(self) -> int:
        return sum(self.keys.values())

    def focused(self) -> dict:
        return self.page.evaluate(
            "() => { const e = document.activeElement; return {tag: e.tagName, "
            "name: e.name || '', value: e.value || '', type: e.type || '', "
            "text: (e.textContent || '').trim().slice(0, 60), checked: !!e.checked}; }"
        )

    def tab_to(self, matches, limit: int = 400) -> None:
        for _ in range(limit):
            self.press("Tab")
            if matches(self.focused()):
                return
        raise RuntimeError("tabbed past the end of the page without finding the target")


def shortcut_plan(page: Page, step_answers: dict) -> list[tuple]:
    """The quickest honest route through a step: where two or more of a grid's answers are
    what one of its "mark the rest" shortcuts gives, answer the others and then press it."""
    fills = page.evaluate(
        "() => Array.from(document.querySelectorAll('[data-fill-group]')).map(b => ({"
        "value: b.value, codes: Array.from(document.querySelectorAll("
        "'#grid-' + b.dataset.fillGroup + ' tr[id^=q-]')).map(r => r.id.slice(2))}))"
    )
    by_group: dict[str, list[dict]] = {}
    for fill in fills:
        by_group.setdefault(fill["value"].split(":")[0], []).append(fill)
    plan: list[tuple] = []
    covered: set[str] = set()
    for options in by_group.values():
        codes = [c for c in options[0]["codes"] if c in step_answers]

        def gain(fill, codes=codes) -> int:
            value = fill["value"].split(":", 1)[1]
            return sum(str(step_answers[c]) == value for c in codes)

        best = max(options, key=gain)
        if gain(best) < 2:
            continue
        value = best["value"].split(":", 1)[1]
        plan += [("answer", c, step_answers[c]) for c in codes if str(step_answers[c]) != value]
        plan.append(("fill", best["value"]))
        covered.update(codes)
    plan += [("answer", c, v) for c, v in step_answers.items() if c not in covered]
    # In page order, as a clinician (and the Tab key) goes down the page.
    order = page.evaluate(
        "() => Array.from(document.querySelectorAll('input[name], button[data-fill-group]'))"
        ".map(e => e.dataset.fillGroup ? e.value : e.name)"
    )
    return sorted(plan, key=lambda action: order.index(action[1]))


def walk(page: Page, site: str, case: dict, *, keyboard: bool) -> Counter:
    counter = Counter(page)
    steps = questions()
    page.goto(site)
    if keyboard:
        counter.tab_to(lambda f: f["text"] == "Start an assessment")
        counter.press("Enter")
    else:
        page.get_by_role("button", name="Start an assessment").click()
    for step in ("red_flags", "history", "exam"):
        page.wait_for_url(f"**/{step}/")
        page.wait_for_load_state("load")
        order = [q["code"] for q in steps[step]]
        step_answers = {code: case["answers"][code] for code in order if code in case["answers"]}
        plan = shortcut_plan(page, step_answers)
        if keyboard:
            page.evaluate(
                "() => { document.activeElement && document.activeElement.blur(); "
                "window.scrollTo(0, 0); }"
            )
        for action in plan:
            if action[0] == "fill":
                selector = f'[data-fill-group][value="{action[1]}"]'
                if keyboard:
                    counter.tab_to(lambda f, v=action[1]: f["tag"] == "BUTTON" and f["value"] == v)
                    counter.press("Enter")
                else:
                    counter.click(selector)
                page.wait_for_load_state("load")
                page.wait_for_timeout(300)
                continue
            _, code, value = action
            question = next(q for q in steps[step] if q["code"] == code)
            answer(counter, page, question, value, keyboard=keyboard)
        if keyboard:
            counter.tab_to(lambda f: f["tag"] == "BUTTON" and f["text"].startswith("Save and"))
            counter.press("Enter")
        else:
            counter.click('button:text-matches("^Save and")')
    page.wait_for_url("**/review/")
    if keyboard:
        counter.tab_to(lambda f: f["text"] == "See the result")
        counter.press("Enter")
    else:
        counter.click('button:text("See the result")')
    page.wait_for_url("**/result/")
    return counter


def answer(counter: Counter, page: Page, question: dict, value, *, keyboard: bool) -> None:
    code = question["code"]
    kind = question["type"]
    if kind == "number":
        if keyboard:
            counter.tab_to(lambda f: f["name"] == code)
            counter.type(str(value))
        else:
            counter.click(f'input[name="{code}"]')
            page.keyboard.type(str(value))
            counter.typed += len(str(value))
            page.locator(f'input[name="{code}"]').dispatch_event("change")
        return
    if kind == "multi":
        for option in value:
            if keyboard:
                counter.tab_to(lambda f, o=option: f["name"] == code and f["value"] == o)
                counter.press("Space")
            else:
                counter.click(f'input[name="{code}"][value="{option}"]')
        return
    wanted = str(value)
    if keyboard:
        counter.tab_to(lambda f: f["name"] == code)
        if counter.focused()["value"] == wanted and counter.focused()["checked"]:
            return
        if counter.focused()["value"] == wanted:
            counter.press("Space")
            return
        for _ in range(12):
            counter.press("ArrowDown")
            if counter.focused()["value"] == wanted:
                return
        raise RuntimeError(f"could not reach {code}={wanted} with the arrow keys")
    counter.click(f'input[name="{code}"][value="{wanted}"]')


def heights(browser, site: str, case: dict, *, javascript: bool) -> dict[str, dict[str, int]]:
    """Each page's height once the case is answered (the pages as the clinician sees them)."""
    context = browser.new_context()
    page = context.new_page()
    walk(page, site, case, keyboard=False)
    base = page.url.rsplit("/result/", 1)[0]
    context.close()
    out: dict[str, dict[str, int]] = {}
    for size, (width, height) in SIZES.items():
        context = browser.new_context(
            viewport={"width": width, "height": height}, java_script_enabled=javascript
        )
        page = context.new_page()
        for name in ("red_flags", "history", "exam", "review", "result"):
            page.goto(f"{base}/{name}/")
            out.setdefault(name, {})[size] = page.evaluate(
                "() => document.documentElement.scrollHeight"
            )
        if size == "desktop":
            page.goto(f"{base}/result/")
            out["review links"] = {"desktop": page.evaluate("() => 0")}
            page.goto(f"{base}/review/")
            out["review links"]["desktop"] = page.locator("a", has_text="Change").count()
        context.close()
    return out


def pdf_pages(site: str, browser, codes: list[str]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    all_cases = cases()
    for code in codes:
        context = browser.new_context()
        page = context.new_page()
        walk(page, site, all_cases[code], keyboard=False)
        base = page.url.rsplit("/result/", 1)[0]
        context.close()
        for variant in ("patient", "clinician"):
            for paper in ("a4", "letter"):
                with urllib.request.urlopen(  # noqa: S310
                    f"{base}/handout.pdf?for={variant}&paper={paper}"
                ) as response:
                    data = response.read()
                path = Path(tempfile.mkdtemp()) / "h.pdf"
                path.write_bytes(data)
                counts.setdefault(code, {})[f"{variant} {paper}"] = page_count(path)
    return counts


def page_count(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def main() -> None:
    code = sys.argv[1] if len(sys.argv) > 1 else "V17"
    case = cases()[code]
    with Server() as site, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        print(f"make walkthrough: {code} ({case['title']}); figures are printed, not asserted.\n")
        for keyboard in (False, True):
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            counter = walk(context.new_page(), site, case, keyboard=keyboard)
            context.close()
            if keyboard:
                detail = ", ".join(
                    f"{k} {n}" for k, n in sorted(counter.keys.items(), key=lambda kv: -kv[1])[:6]
                )
                print(f"  keyboard alone: {counter.total_keys} key presses ({detail}, ...)")
            else:
                print(
                    f"  mouse: {counter.clicks} clicks and {counter.typed} typed characters "
                    "(Start not counted)"
                )
        for javascript in (True, False):
            print(
                f"\nPage heights, px, JavaScript {'on' if javascript else 'off'} "
                "(desktop 1280x800, phone 375x812)"
            )
            for name, sizes in heights(browser, site, case, javascript=javascript).items():
                print(f"  {name:<14} " + "   ".join(f"{s} {v}" for s, v in sizes.items()))
        print("\nHandout PDF pages")
        for pdf_code, counts in pdf_pages(site, browser, ["V01", "V09", "V17"]).items():
            print(f"  {pdf_code}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        browser.close()


if __name__ == "__main__":
    main()
