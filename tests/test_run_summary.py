"""``rightswatch run`` tells its warnings in plain words, without dbt's raw log lines, and colours
only on a terminal."""

from __future__ import annotations

import io
import re
import shutil

import pytest

from dagster_project.cli.run_summary import _dbt_tests, describe_check, use_colour
from tests.conftest import SampleBuild, build_env, run_cli

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _test_named(kind: str) -> str:
    return next(name for name, node in sorted(_dbt_tests().items())
                if (node.get("test_metadata") or {}).get("name") == kind)


def test_a_relationships_warning_reads_as_words():
    name = _test_named("relationships")
    node = _dbt_tests()[name]
    kwargs = node["test_metadata"]["kwargs"]
    text = describe_check(name, "fct_order_lines", 12)
    target = kwargs["to"].split("'")[1]
    assert text == f"fct_order_lines.{kwargs['column_name']}: 12 rows name a {kwargs['field']} not found in {target}"
    assert name not in text


def test_other_kinds_and_unknown_counts():
    assert describe_check(_test_named("not_null"), "t", 1).endswith("1 row has no value where one is required")
    assert "some rows" in describe_check(_test_named("unique"), "t", None)
    assert describe_check("no_such_test", "t", 3) == "t: 3 rows break the rule no_such_test"
    assert describe_check("no_such_test", "t", 1) == "t: 1 row breaks the rule no_such_test"


def test_colour_only_on_a_terminal(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_colour(Tty()) and not use_colour(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour(Tty())


@pytest.mark.slow
def test_run_output_has_the_summary_and_no_dbt_log_lines(sample_build_12h: SampleBuild, tmp_path):
    """A second run on a copy of a built sample (piped, so no colour): progress lines and the
    summary, none of dbt's own lines or Dagster's debug chatter."""
    root = tmp_path / "copy"
    shutil.copytree(sample_build_12h.root, root, ignore=shutil.ignore_patterns("dagster_home"))
    env = {**build_env(root), "RW_CONFIG": str(root / "rw_config.yml")}
    out = run_cli("run", env=env).stdout
    assert "Summary" in out and "checks:" in out
    assert not ANSI.search(out)
    assert not re.search(r"\d+ of \d+ (START|PASS|WARN|OK)", out), out[-3000:]
    assert "Logging an `AssetObservation`" not in out and "dagster - DEBUG" not in out
    for line in (x for x in out.splitlines() if x.strip().startswith(("warning:", "FAILED:"))):
        assert re.search(r": (some rows|[\d,]+ rows?) ", line), line
