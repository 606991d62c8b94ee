"""Crashes, kills and a second run at once: one run holds the warehouse, dbt dies with its run, what a
killed run left is found and cleared at the next start, and a full disk is named as the cause."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.orchestration import build_inputs, dbt_targets, recovery
from dagster_project.orchestration.run_lock import (
    EXIT_BUSY,
    WarehouseBusy,
    import_refused_runs,
    warehouse_lock,
)
from dagster_project.settings import get_settings
from dagster_project.state import connect_state, read_audit_log
from dagster_project.warehouse.work_db import connect_work_db
from tests.conftest import PROJECT_ROOT, RIGHTSWATCH, build_env, run_cli


def _env(tmp_path: Path, orders: int | None = None) -> dict[str, str]:
    env = build_env(tmp_path)
    env["RW_PSEUDONYM_KEY"] = "k" * 64
    Path(env["RW_LANDING"]).mkdir(parents=True, exist_ok=True)
    if orders:
        run_cli("generate", "--out", env["RW_LANDING"], "--orders", str(orders), env=env)
    return env


def test_a_second_run_is_refused_with_its_own_exit_code_and_recorded(tmp_path, monkeypatch):
    env = _env(tmp_path)
    for name in ("RW_LANDING", "RW_WAREHOUSE"):
        monkeypatch.setenv(name, env[name])
    settings = get_settings()
    with warehouse_lock(settings.work_db) as me:
        started = time.monotonic()
        proc = run_cli("run", env=env, check=False)
        assert time.monotonic() - started < 120
        with pytest.raises(WarehouseBusy), warehouse_lock(settings.work_db):  # not re-entrant either
            pass
    assert proc.returncode == EXIT_BUSY == 75, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: another run (pid {me.pid}, started at {me.started_at} UTC) holds the warehouse")
    assert "Traceback" not in proc.stderr
    assert not settings.work_db.exists()  # DuckDB was never opened by the refused run
    with closing(connect_state(settings.state_db)) as state:
        (entry,) = read_audit_log(state, action="run_refused")
    # the next run that holds the lock copies it into meta.pipeline_runs (published as dq_pipeline_runs)
    with closing(connect_work_db(settings.work_db)) as con:
        import_refused_runs(con, settings)
        import_refused_runs(con, settings)  # once only
        rows = con.execute("SELECT run_id, status, message FROM meta.pipeline_runs").fetchall()
    assert rows == [(f"refused-{entry['id']}", "refused",
                     f"refused: another run (pid {me.pid}, started at {me.started_at} UTC) held the warehouse")]
    with warehouse_lock(settings.work_db):  # released: free again
        pass


def _children(pid: int) -> list[tuple[int, str]]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append((int(entry.name), cmdline))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_kill_9_of_a_run_takes_dbt_with_it_and_the_next_start_clears_what_it_left(tmp_path):
    env = _env(tmp_path, orders=200)
    run = subprocess.Popen([*RIGHTSWATCH, "run"], env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 600
        dbt = None
        while dbt is None and time.monotonic() < deadline and run.poll() is None:
            dbt = next((pid for pid, cmd in _children(run.pid) if "dbt" in cmd and " build" in cmd), None)
            time.sleep(0.2)
        assert dbt is not None, "dbt build never started"
        time.sleep(2)  # dbt is working, holding the work file
        warehouse = Path(env["RW_WAREHOUSE"])
        leftover = warehouse.with_name(f".{warehouse.name}.{run.pid}.tmp")
        leftover.write_bytes(b"half a publish")  # what a publish killed mid-way leaves
        leftover.with_name(leftover.name + ".wal").write_bytes(b"x")
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=30)
        deadline = time.monotonic() + 20
        while _alive(dbt) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(dbt), "dbt kept running after its run was killed"
    finally:
        if run.poll() is None:
            run.kill()

    settings_env = {k: env[k] for k in ("RW_LANDING", "RW_WAREHOUSE", "DAGSTER_HOME")}
    old = {k: os.environ.get(k) for k in settings_env}
    os.environ.update(settings_env)
    try:
        settings = get_settings()
        with warehouse_lock(settings.work_db):  # the kernel released the killed run's lock
            with closing(connect_work_db(settings.work_db)) as con:
                (killed,) = con.execute("SELECT run_id FROM meta.pipeline_runs WHERE status = 'running'").fetchone()
                # its dbt build started and never finished: the next build rebuilds every incremental model
                assert build_inputs.unfinished_dbt_build(con) == killed
                assert recovery.abandon_stale_runs(con, "by the test") == [killed]
                status, message = con.execute(
                    "SELECT status, message FROM meta.pipeline_runs WHERE run_id = ?", [killed]).fetchone()
            assert status == "abandoned" and "killed or crashed" in message
            with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
                assert instance.get_run_by_id(killed).status == dg.DagsterRunStatus.STARTED
                assert recovery.fail_stale_dagster_runs(instance, "warehouse_job", "abandoned") == [killed]
                assert instance.get_run_by_id(killed).status == dg.DagsterRunStatus.FAILURE
            assert recovery.remove_temp_files(settings.warehouse) == sorted(
                [leftover, leftover.with_name(leftover.name + ".wal")])
            assert not leftover.exists()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_temp_files_are_only_the_publish_leftovers(tmp_path):
    published = tmp_path / "rw.duckdb"
    mine = [tmp_path / ".rw.duckdb.123.tmp", tmp_path / ".rw.duckdb.123.tmp.wal"]
    others = [tmp_path / "rw.duckdb", tmp_path / ".other.duckdb.1.tmp", tmp_path / ".rw.duckdb.x.tmp"]
    for path in mine + others:
        path.write_bytes(b"x")
    assert recovery.remove_temp_files(published) == sorted(mine)
    assert all(p.exists() for p in others)


@pytest.fixture
def full_fs(tmp_path):
    """A real 1 MiB file system (tmpfs), filled by the test."""
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small file system here (needs root / CAP_SYS_ADMIN)")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


def test_a_real_disk_full_error_is_named_with_where(full_fs):
    target = full_fs / "warehouse" / ".rw.duckdb.1.tmp"
    target.parent.mkdir()
    with pytest.raises(OSError) as caught, open(target, "wb") as fh:
        for _ in range(4096):
            fh.write(b"\0" * 4096)
            fh.flush()
            os.fsync(fh.fileno())
    assert caught.value.errno == errno.ENOSPC
    line = recovery.disk_full_line(f"step publish: [Errno 28] No space left on device: '{target}'", [Path("/")])
    assert line.startswith(f"error: No space left on device while writing {target} (file system {full_fs}: ")
    # a message that does not say it (SQLite: "disk I/O error"): the full file system is still found
    line = recovery.disk_full_line("sqlite3.OperationalError: disk I/O error", [full_fs / "warehouse"])
    assert line is not None and f"(file system {full_fs}: 0.0 MiB free" in line
    target.unlink()  # space again: another failure is not blamed on the disk
    assert recovery.disk_full_line("some other failure", [full_fs / "warehouse"]) is None


def test_dbt_artifacts_live_beside_the_warehouse_and_are_bounded(tmp_path, monkeypatch):
    monkeypatch.setenv("RW_WAREHOUSE", str(tmp_path / "wh" / "rw.duckdb"))
    settings = get_settings()
    made = []
    for i in range(8):
        path = dbt_targets.new_target(settings, f"run{i:04d}-uuid")
        (path / "manifest.json").write_text("{}")
        made.append(path)
        time.sleep(0.001)
    kept = sorted(p for p in dbt_targets.targets_root(settings).iterdir())
    assert kept == made[-dbt_targets.KEEP:]
    assert dbt_targets.targets_root(settings) == tmp_path / "wh" / "dbt_target"
    assert PROJECT_ROOT not in dbt_targets.targets_root(settings).parents


def test_a_new_run_folder_starts_from_the_last_parse_state_and_dbt_uses_it(tmp_path, monkeypatch):
    """Each run's folder is new, so without the carried-over state dbt would parse the whole project
    on every run. Real dbt, twice: the second parse, in a folder from ``new_target``, is partial."""
    monkeypatch.setenv("RW_WAREHOUSE", str(tmp_path / "wh" / "rw.duckdb"))
    settings = get_settings()
    dbt = str(Path(sys.executable).with_name("dbt"))
    env = {**os.environ, "RW_WAREHOUSE": str(settings.warehouse)}

    def parse(target: Path) -> str:
        proc = subprocess.run([dbt, "parse", "--profiles-dir", ".", "--target-path", str(target),
                               "--log-path", str(target)], cwd=PROJECT_ROOT / "dbt", env=env,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout[-3000:]
        return (target / "dbt.log").read_text(encoding="utf-8")

    first = dbt_targets.new_target(settings, "first-run")
    assert not (first / dbt_targets.PARTIAL_PARSE).exists()  # nothing earlier to start from
    assert "Partial parsing enabled" not in parse(first)
    time.sleep(0.001)
    lost = dbt_targets.new_target(settings, "lost-state")  # its state removed: an older folder's is used
    (lost / dbt_targets.PARTIAL_PARSE).unlink()
    time.sleep(0.001)
    second = dbt_targets.new_target(settings, "second-run")
    assert (second / dbt_targets.PARTIAL_PARSE).read_bytes() == (first / dbt_targets.PARTIAL_PARSE).read_bytes()
    assert "Partial parsing enabled: 0 files deleted, 0 files added, 0 files changed" in parse(second)


def test_a_first_parse_in_another_warehouse_folder_is_partial(tmp_path, monkeypatch):
    """dbt parses the whole project again when its profile's values differ from the saved state's, and
    the work file's absolute path is one of them: every first build in a new folder parsed in full (4 s
    at 1 M). Started by the wrapper, dbt runs in the warehouse folder with the files named relative to
    it. Real dbt: a parse for folder B starting from folder A's state is partial; without the wrapper's
    folder it is not (the control shows the test can tell)."""
    from dagster_project.orchestration.dbt_resource import DBT_WRAPPER
    from dagster_project.warehouse import memory

    for name in ("RW_MEMORY_LIMIT", "RW_DBT_CWD", "RW_DBT_CWD_WORK_FILE", "RW_DBT_CWD_TEMP_DIR"):
        monkeypatch.setenv(name, os.environ.get(name, ""))  # export_for_dbt sets them; put back after
    monkeypatch.delenv("RW_TEMP_DIR", raising=False)
    monkeypatch.delenv("RW_MEMORY_LIMIT")

    def parse(folder: Path, target: Path, wrapped: bool = True) -> str:
        folder.mkdir()  # the pipeline's ingestion has made it by the time dbt starts
        monkeypatch.setenv("RW_WAREHOUSE", str(folder / "rw.duckdb"))
        memory.export_for_dbt(folder / "rw.work.duckdb")
        env = {**os.environ, "RW_PYTHON": sys.executable, "RW_DBT_PARENT_PID": str(os.getpid())}
        if not wrapped:
            env.pop("RW_DBT_CWD")
        proc = subprocess.run([str(DBT_WRAPPER), "parse", "--profiles-dir", str(PROJECT_ROOT / "dbt"),
                               "--target-path", str(target), "--log-path", str(target)],
                              cwd=PROJECT_ROOT / "dbt", env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        return (target / "dbt.log").read_text(encoding="utf-8")

    first, second, control = (tmp_path / name for name in ("a_target", "b_target", "c_target"))
    assert "Partial parsing enabled" not in parse(tmp_path / "a", first)
    for target in (second, control):
        target.mkdir()
        shutil.copy2(first / dbt_targets.PARTIAL_PARSE, target / dbt_targets.PARTIAL_PARSE)
    assert "Partial parsing enabled: 0 files deleted, 0 files added, 0 files changed" in parse(tmp_path / "b", second)
    assert "profile has changed" in parse(tmp_path / "c", control, wrapped=False)


def test_dbt_is_started_through_the_wrapper_that_dies_with_its_parent():
    from dagster_project.orchestration.dbt_resource import DBT_WRAPPER
    from dagster_project.orchestration.resources import build_resources

    dbt = build_resources()["dbt"]
    assert dbt.dbt_executable == str(DBT_WRAPPER) and os.access(DBT_WRAPPER, os.X_OK)
    out = subprocess.run([str(DBT_WRAPPER), "--version"], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "RW_PYTHON": sys.executable, "RW_DBT_PARENT_PID": str(os.getpid())})
    assert out.returncode == 0 and "Core" in out.stdout + out.stderr
    # started by a process that is not the one named: refuses (its parent is already gone)
    gone = subprocess.run([str(DBT_WRAPPER), "--version"], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "RW_PYTHON": sys.executable, "RW_DBT_PARENT_PID": "1"})
    assert gone.returncode != 0 and "already ended" in gone.stderr
