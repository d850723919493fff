"""`make mutation`: how many small faults in the engine the tests catch.

A small harness rather than a framework: each mutant is one change to one node of one engine
module (a comparison flipped or loosened, `and` for `or`, a `not` dropped, a number moved by
one, True for False, + for -, `break` for `continue`). The engine tests run against it in a
fresh process, with a time limit, so a mutant that loops forever is counted as caught, not as a
hung run. Mutants known to be equivalent (no behaviour can tell them apart) are listed in
EQUIVALENT with the reason; the score is caught / (all - equivalent).

    .venv/bin/python -m tests.mutation            # every engine module
    .venv/bin/python -m tests.mutation evaluate   # one module
    # replay one mutant:
    MUTANT=pathway/engine/evaluate.py:12 .venv/bin/python -m pytest -p tests.mutation_hook \
        tests/pathway/engine

Printed, never asserted: a slow machine must not fail anything.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ["conditions", "model", "evaluate", "lint", "invariants"]
TESTS = ["tests/pathway/engine"]
TIMEOUT = 180  # seconds a mutant's test run may take before it counts as caught (a hang)
# Fewer generated examples per property test than the normal run: enough to kill a fault.
ENV = {"HYPOTHESIS_EXAMPLES": "120", "DEBUG": "1"}

SWAPS: dict[type, list[type]] = {
    ast.Lt: [ast.LtE],
    ast.LtE: [ast.Lt],
    ast.Gt: [ast.GtE],
    ast.GtE: [ast.Gt],
    ast.Eq: [ast.NotEq],
    ast.NotEq: [ast.Eq],
    ast.In: [ast.NotIn],
    ast.NotIn: [ast.In],
    ast.Is: [ast.IsNot],
    ast.IsNot: [ast.Is],
    ast.And: [ast.Or],
    ast.Or: [ast.And],
    ast.Add: [ast.Sub],
    ast.Sub: [ast.Add],
    ast.Mult: [ast.Div],
    ast.Div: [ast.Mult],
}

# (file, source line, mutation) -> why no behaviour can tell the mutant from the original.
# Reviewed by hand; keyed on the line's text so it survives edits elsewhere in the file.
EQUIVALENT: dict[tuple[str, str, str], str] = {
    (
        "pathway/engine/model.py",
        "required: bool = False",
        "False -> True",
    ): "the engine never reads `required` (the step pages do); every snapshot sets it",
    (
        "pathway/engine/model.py",
        "weight: float = 0.0",
        "0.0 -> 1.0",
    ): "only tier rules take the default weight, and tier rules never read it",
    (
        "pathway/engine/model.py",
        "review_interval_days: int = 0",
        "0 -> 1",
    ): "the engine never reads a tier's review interval; every snapshot sets it",
    # The gate's answer generator: mutants that change how often a value is drawn, never which
    # values can be drawn (tests/pathway/engine/test_invariants.py checks the values that must
    # appear).
    **{
        (
            "pathway/engine/invariants.py",
            "return rng.choice([0, 1, 2, 3, 3, 4, 4, 4, 5, 5, 5, 5])",
            what,
        ): "grade 3 or 4 is listed more than once: the changed copy leaves it drawable, and "
        "the new value is a grade already listed; only the frequencies change"
        for what in ("3 -> 4", "4 -> 5")
    },
    **{
        (
            "pathway/engine/invariants.py",
            "edges = [v for v in (low, high, 2, 6, 11, 12, 19, 20, 49, 50, 8) if low <= v <= high]",
            what,
        ): "which in-range values are favoured; randint covers the whole range either way"
        for what in (
            "2 -> 3",
            "6 -> 7",
            "11 -> 12",
            "12 -> 13",
            "19 -> 20",
            "20 -> 21",
            "49 -> 50",
            "50 -> 51",
            "8 -> 9",
        )
    },
    **{
        (
            "pathway/engine/invariants.py",
            line,
            "compare Lt -> LtE",
        ): "differs only when random() returns exactly the threshold (probability 2**-53): a "
        "frequency, not which answers can be drawn"
        for line in (
            "return rng.choice(edges) if rng.random() < 0.5 else rng.randint(low, high)",
            "if alone and (not others or rng.random() < 0.3):",
            "if rng.random() < 0.25:",
            "answer = None if rng.random() < 0.2 else _random_answer(question, rng)",
        )
    },
}


@dataclass(frozen=True)
class Mutant:
    path: str  # relative to ROOT
    index: int
    line: int
    description: str
    source: str = ""  # the mutated line, stripped

    @property
    def key(self) -> str:
        return f"{self.path}:{self.index}"

    @property
    def equivalent(self) -> str | None:
        return EQUIVALENT.get((self.path, self.source, self.description))


def _sites(tree: ast.AST) -> Iterator[tuple[ast.AST, str, object]]:
    """Every place a mutation can go: (node, what, replacement)."""
    # How a dataclass is laid out, printed or compared by its derived fields (`slots`, and
    # `field(init=False, repr=False, compare=False)`) is declaration, not behaviour.
    layout = {
        id(kw.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for kw in node.keywords
        if kw.arg in {"slots", "init", "repr", "compare"}
    }
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for position, op in enumerate(node.ops):
                for new in SWAPS.get(type(op), []):
                    yield node, f"compare {type(op).__name__} -> {new.__name__}", (position, new)
        elif isinstance(node, ast.BoolOp | ast.BinOp | ast.AugAssign):
            for new in SWAPS.get(type(node.op), []):
                yield node, f"{type(node.op).__name__} -> {new.__name__}", new
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield node, "drop not", None
        elif isinstance(node, ast.Constant) and id(node) not in docstrings | layout:
            value = node.value
            if isinstance(value, bool):
                yield node, f"{value} -> {not value}", not value
            elif isinstance(value, int | float) and not isinstance(value, bool):
                yield node, f"{value} -> {value + 1}", value + 1
        elif isinstance(node, ast.Break):
            yield node, "break -> continue", ast.Continue
        elif isinstance(node, ast.Continue):
            yield node, "continue -> break", ast.Break


def mutants(module: str) -> list[Mutant]:
    path = f"pathway/engine/{module}.py"
    text = (ROOT / path).read_text()
    lines = text.splitlines()
    tree = ast.parse(text)
    return [
        Mutant(
            path,
            i,
            getattr(node, "lineno", 0),
            what,
            lines[node.lineno - 1].strip() if getattr(node, "lineno", 0) else "",
        )
        for i, (node, what, _) in enumerate(_sites(tree))
    ]


def mutated_source(path: str, index: int) -> str:
    """The module's source with mutation `index` applied (used by the import hook)."""
    tree = ast.parse((ROOT / path).read_text())
    for i, (node, _, change) in enumerate(_sites(tree)):
        if i != index:
            continue
        if isinstance(node, ast.Compare):
            position, new = change
            node.ops[position] = new()
        elif isinstance(node, ast.BoolOp | ast.BinOp | ast.AugAssign):
            node.op = change()
        elif isinstance(node, ast.UnaryOp):
            replacement = node.operand
            _replace(tree, node, replacement)
        elif isinstance(node, ast.Constant):
            node.value = change
        else:  # break / continue
            _replace(tree, node, change())
        break
    return ast.unparse(ast.fix_missing_locations(tree))


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, name, new)
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    if item is old:
                        value[i] = new


def run(mutant: Mutant) -> tuple[Mutant, str, float]:
    """'caught', 'survived' or 'timeout' (a hang: caught)."""
    started = time.perf_counter()
    env = {**os.environ, **ENV, "MUTANT": mutant.key}
    try:
        outcome = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                *TESTS,
                "-x",
                "-q",
                "-p",
                "tests.mutation_hook",
                "-p",
                "no:randomly",
                "--no-header",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        verdict = "survived" if outcome.returncode == 0 else "caught"
    except subprocess.TimeoutExpired:
        verdict = "timeout"
    return mutant, verdict, time.perf_counter() - started


def main(argv: list[str]) -> None:
    chosen = argv or MODULES
    all_mutants = [m for module in chosen for m in mutants(module)]
    print(
        f"{len(all_mutants)} mutants in {', '.join(chosen)}; running the engine tests "
        f"against each (time limit {TIMEOUT} s)"
    )
    started = time.perf_counter()
    results = []
    with ThreadPoolExecutor(max_workers=max(1, (os.cpu_count() or 2))) as pool:
        for mutant, verdict, _seconds in pool.map(run, all_mutants):
            results.append((mutant, verdict))
            if verdict == "survived":
                note = mutant.equivalent
                print(
                    f"  survived {mutant.key} line {mutant.line}: {mutant.description}"
                    f"  `{mutant.source}`" + (f"  [equivalent: {note}]" if note else ""),
                    flush=True,
                )
    equivalent = sum(1 for m, v in results if v == "survived" and m.equivalent)
    caught = sum(1 for _, v in results if v in {"caught", "timeout"})
    hung = sum(1 for _, v in results if v == "timeout")
    scored = len(results) - equivalent
    print(
        f"\n{caught} of {scored} non-equivalent mutants caught "
        f"({100 * caught / max(scored, 1):.1f}%); {equivalent} equivalent, {hung} caught by "
        f"the time limit; {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
