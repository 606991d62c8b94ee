"""The suite's own wiring: a top-level test module must import the shared helpers as
``tests.conftest``. A bare ``conftest`` resolves to whichever conftest pytest imported first, which is
the dashboards' one when the whole suite is collected, so such a module passes alone and breaks
``make test``."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_top_level_tests_import_tests_conftest():
    offenders = [p.name for p in sorted(TESTS.glob("test_*.py"))
                 if re.search(r"^\s*(from conftest import|import conftest\b)", p.read_text(encoding="utf-8"), re.M)]
    assert offenders == []
