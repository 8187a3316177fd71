"""The code's shape, checked like behaviour: an import inside a function hides a cycle instead of breaking
it, so one is allowed only with a comment saying why (on its line or the line above). The import
contracts themselves (layers, no cycles) are import-linter's, run by `make test` (.importlinter)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_PACKAGES = ("accounts", "customers", "demo", "devinbox", "fsm", "integrations", "invoicing", "qbo_sim", "scripts")


def _function_imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    found.append((inner.lineno, ast.unparse(inner)))
    return found


def _reason(comment: str) -> str:
    """A comment's words once linter and type-checker directives are taken out."""
    words = re.sub(r"noqa(: ?[A-Z0-9, ]+)?|type: ?ignore(\[[^\]]*\])?", "", comment)
    return words.strip(" #-:")


def _explained(lines: list[str], lineno: int) -> bool:
    """A reason on the import's line, or a comment right above it or above the run of imports it is in."""
    here = lines[lineno - 1]
    if "#" in here and _reason(here.split("#", 1)[1]):
        return True
    above = lineno - 2
    while above >= 0 and lines[above].strip().startswith(("from ", "import ")):
        above -= 1
    return above >= 0 and lines[above].strip().startswith("#") and bool(_reason(lines[above]))


def test_every_import_inside_a_function_says_why() -> None:
    unexplained = []
    for package in APP_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")) if (ROOT / package).is_dir() else []:
            if "migrations" in path.parts:
                continue
            lines = path.read_text().splitlines()
            unexplained += [f"{path.relative_to(ROOT)}:{n}: {code}" for n, code in _function_imports(path)
                            if not _explained(lines, n)]
    assert unexplained == [], "imports inside functions without a comment saying why:\n" + "\n".join(unexplained)


def test_the_check_sees_an_unexplained_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from os import path\n    return path\n\n"
                      "def g():\n    # why: only needed here\n    import json\n    return json\n\n"
                      "def h():\n    import re  # noqa: F401\n\n"
                      "def k():\n    # why: app loading\n    import os\n    import sys\n")
    lines = sample.read_text().splitlines()
    found = _function_imports(sample)
    assert [(n, _explained(lines, n)) for n, _ in found] == [(2, False), (7, True), (11, False), (15, True), (16, True)]
