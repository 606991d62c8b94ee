"""Two runs at once, when one of them is launched by Dagster (the `make dagster` UI, the schedule, the
sensor) rather than by `rightswatch run`: the run holds the same warehouse lock for its whole length,
a refused one fails with the CLI's message and is recorded the same way, and the CLI's own in-process
job does not lock itself out (dagster_project.orchestration.run_lock.hold_for_run, WarehouseResource)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.definitions import defs
from dagster_project.orchestration.jobs import WAREHOUSE_JOB_NAME
from dagster_project.orchestration.resources import WarehouseResource
from dagster_project.orchestration.run_lock import WarehouseBusy, refusal_in, warehouse_lock
from dagster_project.settings import get_settings
from dagster_project.state import connect_state, read_audit_log
from dagster_project.warehouse.work_db import connect_work_db
from tests.conftest import PROJECT_ROOT, build_env

# A second process that holds the warehouse lock, as a `rightswatch run` in another terminal does.
HOLDER = """
import sys, time
from pathlib import Path
from dagster_project.orchestration.run_lock import warehouse_lock
with warehouse_lock(Path(sys.argv[1])) as me:
    print(me.pid, me.started_at, flush=True)
    sys.stdin.read()  # until the test closes it
"""

# Who holds the lock, asked from another process: "free" or the holder's pid.
PROBE = """
import sys
from pathlib import Path
from dagster_project.orchestration.run_lock import WarehouseBusy, warehouse_lock
try:
    with warehouse_lock(Path(sys.argv[1])):
        print("free")
except WarehouseBusy as busy:
    print(busy.holder.pid)
"""


@pytest.fixture
def env(tmp_path, monkeypatch) -> dict[str, str]:
    env = build_env(tmp_path)
    env["RW_PSEUDONYM_KEY"] = "k" * 64
    Path(env["RW_LANDING"]).mkdir(parents=True)
    for name in ("RW_LANDING", "RW_WAREHOUSE", "RW_REPORTS", "RW_PSEUDONYM_KEY", "DAGSTER_HOME"):
        monkeypatch.setenv(name, env[name])
    return env


@contextmanager
def lock_held_by_another_process(env: dict[str, str]) -> Iterator[tuple[int, str]]:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(get_settings().work_db)], env=env,
                            cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        pid, started_at = proc.stdout.readline().split()
        yield int(pid), started_at
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)


def lock_holder_seen_from_outside(env: dict[str, str]) -> str:
    return subprocess.run([sys.executable, "-c", PROBE, str(get_settings().work_db)], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, check=True, timeout=120).stdout.strip()


def test_a_dagster_launched_warehouse_run_is_refused_while_another_run_holds_the_warehouse(env):
    settings = get_settings()
    with lock_held_by_another_process(env) as (holder_pid, holder_started_at):
        result = defs.resolve_job_def(WAREHOUSE_JOB_NAME).execute_in_process(raise_on_error=False)
    assert not result.success
    message = refusal_in(result.all_events)
    assert message is not None, "the run was not refused by the warehouse lock"
    assert message.startswith(
        f"another run (pid {holder_pid}, started at {holder_started_at} UTC) holds the warehouse")
    assert not any(event.is_step_start for event in result.all_events)  # no step ran
    assert not settings.work_db.exists()  # DuckDB was never opened by the refused run
    # recorded like a refused CLI run, naming the Dagster run ...
    with closing(connect_state(settings.state_db)) as state:
        (entry,) = read_audit_log(state, action="run_refused")
    assert json.loads(entry["detail"])["dagster_run_id"] == result.run_id
    # ... and the next Dagster run that gets the lock copies it into meta.pipeline_runs (dq_pipeline_runs)
    with closing(connect_work_db(settings.work_db)):
        pass
    assert two_step_job.execute_in_process().success
    with closing(connect_work_db(settings.work_db)) as con:
        rows = con.execute("SELECT run_id, status, message FROM meta.pipeline_runs").fetchall()
    assert rows == [(f"refused-{entry['id']}", "refused",
                     f"refused: another run (pid {holder_pid}, started at {holder_started_at} UTC) held the warehouse")]


def test_the_as_of_job_is_refused_too_and_says_why(env):
    """asof_job copies the work file: reading it while another run writes it is the same collision."""
    from dagster_project.orchestration.assets.asof import AsOfRebuildError, rebuild_as_of

    settings = get_settings()
    with closing(connect_work_db(settings.work_db)):
        pass  # a work file exists, so the rebuild gets as far as starting its job
    with lock_held_by_another_process(env) as (holder_pid, _), pytest.raises(AsOfRebuildError) as refused:
        rebuild_as_of(settings, "2026-01-31", Path(env["RW_REPORTS"]) / "asof")
    assert str(refused.value).startswith(f"another run (pid {holder_pid}, started at ")


@dg.op
def first_step(warehouse: WarehouseResource) -> int:
    return len(str(warehouse.settings().work_db))


@dg.op
def second_step(warehouse: WarehouseResource, _previous: int) -> str:
    return lock_holder_seen_from_outside(dict(os.environ))


@dg.job(executor_def=dg.in_process_executor, resource_defs={"warehouse": WarehouseResource()})
def two_step_job():
    second_step(first_step())


def test_a_dagster_run_holds_the_lock_across_its_steps_and_releases_it_at_the_end(env):
    result = two_step_job.execute_in_process()
    assert result.output_for_node("second_step") == str(os.getpid())  # still held by the run in its 2nd step
    assert lock_holder_seen_from_outside(env) == "free"
    with warehouse_lock(get_settings().work_db):  # released: free for the next run
        pass


def test_the_cli_path_runs_its_job_under_the_lock_it_already_holds(env):
    """`rightswatch run` takes the lock, then executes the job in its own process: no self-refusal, and
    the job's end does not release the command's lock."""
    settings = get_settings()
    with warehouse_lock(settings.work_db):
        result = two_step_job.execute_in_process()
        assert result.success
        assert result.output_for_node("second_step") == str(os.getpid())
        assert lock_holder_seen_from_outside(env) == str(os.getpid())  # still ours after the job ended
        with pytest.raises(WarehouseBusy), warehouse_lock(settings.work_db):  # plain lock: still not re-entrant
            pass
    with closing(connect_state(settings.state_db)) as state:
        assert read_audit_log(state, action="run_refused") == []


# A run in progress: it holds the lock and has the work file open in DuckDB (the single writer).
WRITING_HOLDER = """
import sys, time
from pathlib import Path
from dagster_project.orchestration.run_lock import warehouse_lock
from dagster_project.warehouse.work_db import connect_work_db
with warehouse_lock(Path(sys.argv[1])) as me:
    con = connect_work_db(Path(sys.argv[1]))
    print(me.pid, me.started_at, flush=True)
    sys.stdin.read()
    con.close()
"""


def test_the_failure_sensor_does_not_collide_with_the_run_that_refused_another(env):
    """A refused UI run fails, which starts warehouse_failure_sensor while the holder writes the work file:
    the sensor skips instead of ending in DuckDB's lock error."""
    from dagster_project.orchestration.sensors import warehouse_failure_sensor

    with dg.instance_for_test() as instance:
        holder = subprocess.Popen([sys.executable, "-c", WRITING_HOLDER, str(get_settings().work_db)], env=env,
                                  cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            holder_pid = int(holder.stdout.readline().split()[0])
            result = defs.resolve_job_def(WAREHOUSE_JOB_NAME).execute_in_process(instance=instance,
                                                                                 raise_on_error=False)
            context = dg.build_run_status_sensor_context(
                sensor_name=warehouse_failure_sensor.name, dagster_instance=instance,
                dagster_run=result.dagster_run, dagster_event=result.get_run_failure_event()).for_run_failure()
            outcome = warehouse_failure_sensor(context)
        finally:
            holder.stdin.close()
            holder.wait(timeout=60)
    assert isinstance(outcome, dg.SkipReason)
    assert f"another run (pid {holder_pid}, started at " in outcome.skip_message


def test_the_scheduled_retention_job_is_refused_while_another_run_holds_the_warehouse(env):
    """The retention op rewrites the work file; its lock now comes from the run's warehouse resource
    (the op's own lock refused the op's own run once the resource held it)."""
    from dagster_project.privacy.definitions import privacy_retention_job

    assert privacy_retention_job.execute_in_process(resources={"warehouse": WarehouseResource()}).success
    with lock_held_by_another_process(env) as (holder_pid, _):
        result = privacy_retention_job.execute_in_process(resources={"warehouse": WarehouseResource()},
                                                          raise_on_error=False)
    assert not result.success
    assert (refusal_in(result.all_events) or "").startswith(f"another run (pid {holder_pid}, started at ")
