"""The engine is pure Python: no module under pathway/engine imports Django."""

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[3] / "pathway" / "engine"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_engine_module_imports_django():
    files = sorted(ENGINE.glob("*.py"))
    assert len(files) >= 4
    for path in files:
        bad = {name for name in imported_modules(path) if name.split(".")[0] == "django"}
        assert not bad, f"{path.name} imports {bad}"


def test_engine_modules_import_only_the_standard_library_and_the_engine():
    allowed_roots = {
        "__future__",
        "collections",
        "dataclasses",
        "random",
        "re",
        "typing",
        "pathway",
    }
    for path in ENGINE.glob("*.py"):
        for name in imported_modules(path):
            root = name.split(".")[0]
            assert root in allowed_roots, f"{path.name} imports {name}"
            if root == "pathway":
                assert name.startswith("pathway.engine"), f"{path.name} imports {name}"
