"""Every download button of the dashboards goes through ``downloads.granted_file``.

A button given bytes directly is published at ``/media/<id>`` when the page renders (before any
click), is not audited, and is refused by ServeGuard (no grant), so it would silently break. This
reads the page sources, so a page added later is checked too.
"""

from __future__ import annotations

import ast

from conftest import PROJECT_ROOT

DASHBOARDS = PROJECT_ROOT / "dashboards"


def _granted_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if called == "granted_file":
                names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def _download_calls(tree: ast.AST) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "download_button"]


def test_every_download_button_serves_a_granted_audited_file():
    offenders, seen = [], 0
    for path in sorted(DASHBOARDS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        granted = _granted_names(tree)
        for call in _download_calls(tree):
            seen += 1
            data = call.args[1] if len(call.args) > 1 else next(
                (k.value for k in call.keywords if k.arg == "data"), None)
            if not (isinstance(data, ast.Name) and data.id in granted):
                offenders.append(f"{path.relative_to(PROJECT_ROOT)}:{call.lineno}")
    assert seen >= 2  # downloads.py and the approvals page
    assert offenders == [], f"download_button without granted_file data: {offenders}"
