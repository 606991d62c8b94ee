"""The cache warm-up: after it, the four main pages open with default filters without running a query."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading

import duckdb
import pytest
from conftest import PROJECT_ROOT, signed_in

from dagster_project.warehouse.kpi_config import CONFIG_TABLE
from dashboards import queries, warmup


@pytest.fixture
def executed(monkeypatch) -> list[str]:
    """Every SQL text that reaches DuckDB from now on (a cache miss), in order."""
    seen: list[str] = []
    real = queries._execute

    def spy(sql, params, path):
        seen.append(sql)
        return real(sql, params, path)

    monkeypatch.setattr(queries, "_execute", spy)
    return seen


def _open_main_pages() -> None:
    """Sign in and open the four main pages as users do (overview is the landing page)."""
    manager = signed_in("manager", lang="en")
    for page in ("pages/merchants.py", "pages/complaints.py", "pages/data_quality.py", "pages/overview.py"):
        manager.switch_page(page).run()
        assert not manager.exception, (page, manager.exception)
    regulator = signed_in("regulator", lang="en")  # its merchants list starts at the public tiers
    regulator.switch_page("pages/merchants.py").run()
    assert not regulator.exception


def test_cold_pages_run_queries(dash_env, executed):
    """The probe sees cold visits: with an empty cache the pages do query (so the next test can fail)."""
    queries.clear_cache()
    _open_main_pages()
    assert len(executed) >= 10


def test_after_warm_up_the_main_pages_run_no_query(dash_env, executed):
    queries.clear_cache()
    warmup.warm_defaults()
    assert len(executed) >= 10
    executed.clear()
    _open_main_pages()
    assert executed == [], f"queries the warm-up missed: {executed}"


def test_warmer_warms_once_per_published_version_and_after_the_ttl(dash_env, tmp_path, monkeypatch, executed):
    copy = tmp_path / "rightswatch.duckdb"
    shutil.copy2(dash_env.warehouse, copy)
    monkeypatch.setenv("RW_WAREHOUSE", str(copy))
    warmer = warmup.Warmer(poll_seconds=0.01, ttl_seconds=3600)
    assert warmer.step() is True and executed
    executed.clear()
    assert warmer.step() is False and executed == []  # same version: nothing to do
    # a new publication (the pipeline renames a new file into place): a new cache key, warmed at once
    stat = copy.stat()
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert warmer.step() is True and len(executed) >= 10
    executed.clear()
    warmer.ttl_seconds = 0  # the cached entries have expired: warm again
    assert warmer.step() is True


def test_warmer_waits_for_a_first_publication(dash_env, tmp_path, monkeypatch, executed):
    monkeypatch.setenv("RW_WAREHOUSE", str(tmp_path / "not-yet.duckdb"))
    warmer = warmup.Warmer()
    assert warmer.step() is False and executed == []


def test_the_background_thread_starts_once(dash_env):
    first = warmup.start_background()
    try:
        assert warmup.start_background() is first
        assert any(t.name == "rw-cache-warmup" and t.is_alive() for t in threading.enumerate())
    finally:
        first.stop()


def test_prepare_process_imports_altair_and_its_schema_ahead_of_the_first_chart():
    """In a fresh interpreter (this one has Altair already): the one-time import happens in the warm-up."""

    code = ("import sys; from dashboards import warmup; assert 'altair' not in sys.modules; "
            "warmup.prepare_process(); assert {'altair', 'dashboards.charts'} <= set(sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=PROJECT_ROOT)
    assert done.returncode == 0, done.stderr


def test_the_served_process_warms_its_cache_at_start(dash_env, tmp_path):
    """The real server (the command `rightswatch serve` runs) warms before anyone visits, and says so."""
    import time

    from dashboards import serving

    port = serving.free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(serving.streamlit_command(port, "127.0.0.1"), env=dash_env.env, stdout=log,
                                stderr=subprocess.STDOUT, cwd=PROJECT_ROOT)
    try:
        deadline = time.monotonic() + 90
        while "warmed" not in log_path.read_text():
            assert proc.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, f"no warm-up logged: {log_path.read_text()}"
            time.sleep(0.3)
        assert f"dashboard queries for {dash_env.warehouse}" in log_path.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _sql_of(executed: list[str], visit) -> set[str]:
    queries.clear_cache()
    executed.clear()
    visit()
    return set(executed)


def test_the_bench_visits_send_each_page_default_queries_through_the_warm_up(dash_env, tmp_path, monkeypatch,
                                                                              executed):
    """`make bench` times a page through the warm-up's function for it (plus tabs and drill-downs), so
    both follow the page: with no recorded first-response limit the complaints page draws no histogram,
    and neither the warm-up nor the bench asks for one."""
    from dagster_project.cli import bench_dashboards

    copy = tmp_path / "rightswatch.duckdb"
    shutil.copy2(dash_env.warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(f"delete from {CONFIG_TABLE} where var_name = 'rw_first_response_hours'")
    monkeypatch.setenv("RW_WAREHOUSE", str(copy))
    assert queries.first_response_limit_hours() != queries.first_response_limit_hours()  # NaN: no limit

    manager = signed_in("manager", lang="en")  # lands on the overview: not the page compared here
    page = _sql_of(executed, lambda: manager.switch_page("pages/complaints.py").run())
    assert not manager.exception and page
    assert page == _sql_of(executed, warmup.complaints_default)
    assert page == _sql_of(executed, bench_dashboards.VISITS["complaints"])
    assert queries.SQL_COMPLAINTS_HISTOGRAM not in page
    for name, default in (("overview", warmup.overview_default), ("data_quality", warmup.data_quality_default)):
        assert _sql_of(executed, default) <= _sql_of(executed, bench_dashboards.VISITS[name]), name
