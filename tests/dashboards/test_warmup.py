"""The cache warm-up: after it, the four main pages open with default filters without running a query."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading

import pytest
from conftest import PROJECT_ROOT, signed_in

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
