"""``rightswatch generate | run | serve``: the commands a new user meets first."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from contextlib import closing
from pathlib import Path

from dagster_project.orchestration.instance import ensure_dagster_home
from dagster_project.settings import get_settings


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    gen = subparsers.add_parser("generate", help="write sample deliveries (with planted patterns and truth)")
    gen.add_argument("--out", type=Path, default=None, help="landing root to write (default: RW_LANDING)")
    gen.add_argument("--orders", type=int, default=None, help="order lines to generate")
    gen.add_argument("--seed", type=int, default=None, help="random seed (same seed, same bytes)")
    gen.set_defaults(handler=_generate)

    run = subparsers.add_parser("run", help="ingest new deliveries, validate, build and publish the warehouse")
    run.add_argument("--landing", type=Path, default=None, help="landing root (default: RW_LANDING)")
    run.add_argument("--warehouse", type=Path, default=None, help="published DuckDB file (default: RW_WAREHOUSE)")
    run.add_argument("--config", type=Path, default=None, help="KPI/scoring overrides YAML (default: RW_CONFIG)")
    run.add_argument("--cutoff", default=None,
                     help="rebuild the marts as of this local day or time instead (needs --into; the live "
                          "warehouse is untouched)")
    run.add_argument("--into", type=Path, default=None, help="folder for the --cutoff rebuild's published file")
    run.add_argument("--full-refresh", action="store_true",
                     help="rebuild every incremental model from the kept history, even with nothing new "
                          "(after a change of logic, or to check the incremental build)")
    run.set_defaults(handler=_run)

    serve = subparsers.add_parser("serve", help="serve the dashboards on the published warehouse")
    serve.add_argument("--warehouse", type=Path, default=None, help="published DuckDB file (default: RW_WAREHOUSE)")
    serve.add_argument("--port", type=int, default=8501)
    serve.add_argument("--address", default="127.0.0.1",
                       help="interface to listen on (default 127.0.0.1: only this machine; put the TLS reverse "
                            "proxy of docs/deploy/ in front, or pass 0.0.0.0 to open it to the network)")
    serve.set_defaults(handler=_serve)


def _apply_paths(args: argparse.Namespace) -> None:
    """Command-line paths win over the environment; exported so dbt and Dagster see the same ones."""
    for attr, env in (("landing", "RW_LANDING"), ("warehouse", "RW_WAREHOUSE"), ("config", "RW_CONFIG")):
        value = getattr(args, attr, None)
        if value is not None:
            os.environ[env] = str(Path(value).expanduser().resolve())


def _generate(args: argparse.Namespace) -> int:
    from dagster_project.generate import DEFAULT_ORDER_LINES, generate

    out = (args.out or get_settings().landing).expanduser().resolve()
    kwargs = {"orders": args.orders or DEFAULT_ORDER_LINES}
    if args.seed is not None:
        kwargs["seed"] = args.seed
    started = time.monotonic()
    print(f"Generating sample deliveries into {out} ...", flush=True)
    summary = generate(out, progress=lambda line: print(f"  {line}", flush=True), **kwargs)
    print(f"Done in {time.monotonic() - started:.1f}s. Truth files in {out / '_truth'}.")
    rows = summary.get("rows") if isinstance(summary, dict) else None
    if rows:
        print("  rows per source: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
    return 0


def _run(args: argparse.Namespace) -> int:
    if args.full_refresh and (args.cutoff or args.into):
        print("error: --full-refresh does not go with --cutoff/--into: an as-of rebuild always rebuilds every model",
              file=sys.stderr)
        return 2
    _apply_paths(args)
    os.environ["RW_PROGRESS"] = "1"
    ensure_dagster_home()
    settings = get_settings()
    print(f"RightsWatch run: landing {settings.landing} -> warehouse {settings.warehouse}", flush=True)
    if not settings.landing.is_dir():
        print(f"error: landing root {settings.landing} does not exist. Create sample data with "
              f"`rightswatch generate --out {settings.landing}` or pass --landing.", file=sys.stderr)
        return 2

    from dagster_project.orchestration.config import ConfigError, load_overrides
    from dagster_project.orchestration.run_lock import (
        EXIT_BUSY,
        WarehouseBusy,
        record_refused_run,
        warehouse_lock,
    )

    try:
        load_overrides(settings.config_file)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        with warehouse_lock(settings.work_db):  # before DuckDB is opened; raises only on entry
            if args.cutoff or args.into:  # the as-of rebuild reads the work file: same lock
                return _run_as_of(args, settings)
            return _run_locked(settings, full_refresh=args.full_refresh)
    except WarehouseBusy as busy:
        record_refused_run(settings, busy)
        print(f"error: {busy}", file=sys.stderr)
        return EXIT_BUSY


def _warehouse_job():
    from dagster_project.definitions import defs
    from dagster_project.orchestration.jobs import WAREHOUSE_JOB_NAME

    logging.getLogger("dagster._core.execution.plan.active").addFilter(_skipped_dbt_check_noise)
    return defs.resolve_job_def(WAREHOUSE_JOB_NAME)


def _landing_only_job():
    from dagster_project.orchestration.landing_only import LANDING_ONLY_JOB_NAME, landing_only_definitions

    return landing_only_definitions().resolve_job_def(LANDING_ONLY_JOB_NAME)


def _recover(settings, instance) -> None:
    """Clear what killed or crashed runs left (dagster_project.orchestration.recovery); we hold the run lock."""
    from dagster_project.orchestration import recovery
    from dagster_project.orchestration.run_lock import import_refused_runs
    from dagster_project.warehouse.work_db import connect_work_db

    for path in recovery.remove_temp_files(settings.warehouse):
        print(f"  removed a publish temp file left by an earlier run: {path}", flush=True)
    note = f"at the start of a run at {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC"
    from dagster_project.orchestration.jobs import WAREHOUSE_JOB_NAME
    from dagster_project.orchestration.landing_only import LANDING_ONLY_JOB_NAME

    dagster_runs = [run for job_name in (WAREHOUSE_JOB_NAME, LANDING_ONLY_JOB_NAME)
                    for run in recovery.fail_stale_dagster_runs(
                        instance, job_name, f"abandoned: the run's process ended without finishing; found {note}")]
    if settings.work_db.exists():
        with closing(connect_work_db(settings.work_db)) as con:
            stale = recovery.abandon_stale_runs(con, note)
            import_refused_runs(con, settings)
    else:
        stale = []
    for run_id in sorted(set(stale) | set(dagster_runs)):
        print(f"  run {run_id} was killed or crashed: marked abandoned", flush=True)


def _run_locked(settings, *, full_refresh: bool = False) -> int:
    from dagster import DagsterInstance

    from dagster_project.orchestration.build_inputs import nothing_new_note
    from dagster_project.orchestration.dbt_args import run_tags
    from dagster_project.orchestration.quiet_landing import landing_looks_unchanged, record_ingested_only
    from dagster_project.orchestration.recovery import disk_full_line
    from dagster_project.orchestration.sensors import mark_run_failed

    started = time.monotonic()

    def execute(instance, job):
        return job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            tags=run_tags(full_refresh=full_refresh),
            # errors only: warnings are told in plain words by the summary below
            run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}},
        )

    with DagsterInstance.get() as instance:
        _recover(settings, instance)
        result = None
        # nothing looks new: the ingestion step alone decides, without loading dbt or planning every model
        if not full_refresh and landing_looks_unchanged(settings):
            result = execute(instance, _landing_only_job())
            note = nothing_new_note(settings.work_db, result.run_id)
            if result.success and note is None:
                record_ingested_only(settings, result.run_id)
                print("Ingestion found something new after all (a file of the same name and size with other "
                      "bytes): building the warehouse", flush=True)
                result = None
        if result is None:
            result = execute(instance, _warehouse_job())
            note = nothing_new_note(settings.work_db, result.run_id)
    elapsed = time.monotonic() - started
    from dagster_project.cli.run_summary import print_summary

    failure = None if result.success else _first_failure(result)
    places = _written_places(settings)
    try:
        print_summary(result, settings, elapsed)
        if failure is not None:
            mark_run_failed(result.run_id, failure)
    except Exception as exc:  # a full disk can break the summary too: the cause must still come last
        if failure is None or disk_full_line(f"{failure}\n{exc}", places) is None:
            raise
    if note:
        print(f"\n{note}")
    if failure is not None:
        print(f"\nerror: the run failed: {failure}\nThe last good warehouse ({settings.warehouse}) is unchanged. "
              f"Open `make dagster` to see run {result.run_id} step by step.", file=sys.stderr)
        cause = disk_full_line(_failure_chain(result), places)
        if cause:
            print(cause, file=sys.stderr)
        return 1
    return 0


def _run_as_of(args: argparse.Namespace, settings) -> int:
    """``run --cutoff DAY --into DIR``: the marts as of an earlier cut-off, published into DIR."""
    from dagster_project.orchestration.assets.asof import AsOfRebuildError, cutoff_local, rebuild_as_of

    if not (args.cutoff and args.into):
        print("error: --cutoff and --into go together: rightswatch run --cutoff 2026-10-28 --into DIR",
              file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        print(f"As-of rebuild: the marts as of {cutoff_local(args.cutoff)} (local) into {args.into}", flush=True)
        published = rebuild_as_of(settings, args.cutoff, args.into)
    except AsOfRebuildError as exc:
        print(f"error: {exc}\nThe live warehouse ({settings.warehouse}) is unchanged.", file=sys.stderr)
        return 1
    print(f"published as of {cutoff_local(args.cutoff)}: {published} ({time.monotonic() - started:.1f}s)")
    return 0


def _written_places(settings) -> list:
    import tempfile

    from dagster_project.orchestration import dbt_targets
    return [settings.warehouse.parent, settings.work_db.parent, dbt_targets.targets_root(settings),
            Path(os.environ["DAGSTER_HOME"]), Path(tempfile.gettempdir())]


def _failure_chain(result) -> str:
    """Every message of every failed step, causes included (the step's own message only wraps them)."""
    texts = []
    for event in result.all_events:
        error = event.step_failure_data.error if event.is_step_failure and event.step_failure_data else None
        while error is not None:
            texts.append(error.message)
            error = error.cause or error.context
    return "\n".join(texts)


def _skipped_dbt_check_noise(record: logging.LogRecord) -> bool:
    """Drop Dagster's "blocking check emitted no result" warnings about the dbt step: they appear
    when dbt did not run (nothing new, or it failed), which the summary already says in one line."""
    return "emitted no result in step 'rightswatch_dbt'" not in record.getMessage()


def _first_failure(result) -> str:
    for event in result.all_events:
        if event.is_step_failure:
            data = event.step_failure_data
            message = data.error.message.strip() if data and data.error else "step failed"
            return f"step {event.step_key}: {message}"
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed:
            return f"check {evaluation.check_name} on {evaluation.asset_key.to_user_string()} failed"
    return "unknown failure (see the Dagster UI)"


def _announce_first_admin(password: str, users_file: Path) -> None:
    """Tell the operator the generated admin password without leaving it in a log.

    On a terminal it is shown once. Otherwise (a service manager's journal, a redirected log) it goes
    to a file only the owner can read, beside the users file, and only that file's path is printed.
    """
    if sys.stdout.isatty():
        print(f"Created the first account: user 'admin', password {password!r} (shown once; "
              f"stored hashed in {users_file}). Add more with `rightswatch users add`.")
        return
    target = users_file.with_name(users_file.stem + ".first-admin-password")
    target.unlink(missing_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(password + "\n")
    print(f"Created the first account: user 'admin'; its password is in {target} (readable by you only). "
          "Sign in, change it, and delete that file.")


def _serve(args: argparse.Namespace) -> int:
    """Start Streamlit *in this process* (exec): a service manager's SIGTERM reaches the server itself.

    The served script is ``dashboards/server.py``, the app behind ``ServeGuard`` (downloads bound to
    their session, no public metrics, no framing), listening on ``--address`` (127.0.0.1 by default).
    """
    _apply_paths(args)
    settings = get_settings()
    if not settings.warehouse.exists():
        print(f"error: no published warehouse at {settings.warehouse}. Run `rightswatch run` first "
              "(or `make pipeline`), or pass --warehouse.", file=sys.stderr)
        return 2
    from dagster_project.state.users import ensure_admin

    password = ensure_admin(settings.users_file)
    if password:
        _announce_first_admin(password, settings.users_file)
    shown = "localhost" if args.address in ("127.0.0.1", "localhost") else args.address
    print(f"Dashboards on http://{shown}:{args.port} (warehouse {settings.warehouse}). Ctrl+C stops.", flush=True)
    from dashboards.serving import streamlit_command

    command = streamlit_command(args.port, args.address)
    sys.stderr.flush()
    os.execve(sys.executable, command, os.environ.copy())
    return 0  # not reached
