"""dbt models as Dagster assets (dbt tests become asset checks), with a thin translator."""


import os
import time
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager, redirect_stdout
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliInvocation, DbtCliResource, dbt_assets

from dagster_project.orchestration import build_inputs, dbt_targets
from dagster_project.orchestration.config import load_overrides
from dagster_project.orchestration.dbt_args import (
    full_refresh_reason,
    out_of_memory_retry_args,
    pipeline_build_args,
)
from dagster_project.orchestration.dbt_events import DbtBuildEvents
from dagster_project.orchestration.dbt_project import rightswatch_dbt
from dagster_project.orchestration.dbt_resource import dbt_child_environment
from dagster_project.orchestration.engine_steps import steps_for
from dagster_project.orchestration.resources import WarehouseResource, progress
from dagster_project.warehouse.memory import export_for_dbt
from dagster_project.warehouse.work_db import connect_work_db

# dbt source name -> the schema its tables live in, which is also the Dagster key prefix of the
# assets that write them (landing_ingestion writes raw/<source> and meta/<table>).
SOURCE_KEY_PREFIX = {"platform": "raw", "pipeline_meta": "meta"}


class RightsWatchTranslator(DagsterDbtTranslator):
    """Keys are <schema>/<name>, so sources line up with the ingestion assets and marts group together."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            prefix = SOURCE_KEY_PREFIX.get(dbt_resource_props["source_name"], dbt_resource_props["source_name"])
            return dg.AssetKey([prefix, dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or dbt_resource_props["schema"]
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props.get("config", {}).get("schema") or "dbt"


@dbt_assets(manifest=rightswatch_dbt().manifest_path, project=rightswatch_dbt(),
            dagster_dbt_translator=RightsWatchTranslator(), name="rightswatch_dbt")
def rightswatch_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    settings = warehouse.settings()
    overrides = load_overrides(settings.config_file)
    export_for_dbt(settings.work_db)  # dbt/profiles.yml reads the memory limit and spill dir
    digest = build_inputs.dbt_inputs_digest(overrides)
    with closing(connect_work_db(settings.work_db)) as con:
        reason = full_refresh_reason(context.run.tags, build_inputs.last_dbt_build_digest(con), digest,
                                     build_inputs.unfinished_dbt_build(con))
        build_inputs.record_dbt_start(con, context.run_id)
    args = pipeline_build_args(overrides, full_refresh=reason is not None, engine=settings.engine)
    prepare_sources = steps_for(settings.engine).prepare_sources
    if prepare_sources is not None:  # Spark: dbt's sources are the work file's raw/meta tables, registered there
        prepared = time.monotonic()
        registered = prepare_sources(settings)
        progress(context, f"{settings.engine}: {registered} raw/meta tables exported and registered for dbt "
                          f"in {time.monotonic() - prepared:.1f} s")
    progress(context, "dbt build"
             + (f" --full-refresh (every incremental model rebuilt from the kept history: {reason})" if reason else "")
             + (f" with configuration overrides {sorted(overrides)}" if overrides else ""))
    dbt_child_environment()  # dbt dies with this process (kill -9 included)
    started = time.monotonic()
    target = dbt_targets.new_target(settings, context.run_id)
    invocation = dbt.cli(args, context=context, target_path=target, raise_on_error=False)
    built = yield from _dagster_events(invocation, context)
    if not invocation.is_successful():
        built_any = (target / "run_results.json").is_file()  # absent when dbt stopped before building anything
        retry = out_of_memory_retry_args(args, invocation.get_artifact("run_results.json"), str(target)) \
            if built_any else None
        if retry is None:
            raise invocation.get_error()
        progress(context, "dbt build: out of memory with two models at once (the DuckDB memory limit, "
                          "RW_MEMORY_LIMIT); building what failed and what it held up again, one at a time")
        # without the context: dagster-dbt would add the step's own selection (every node) to the retry's
        retried = dbt.cli(retry, manifest=invocation.manifest, dagster_dbt_translator=invocation.dagster_dbt_translator,
                          target_path=dbt_targets.new_target(settings, context.run_id))
        built += yield from _dagster_events(retried, context)
    with closing(connect_work_db(settings.work_db)) as con:  # dbt succeeded: its incremental models are of this code
        build_inputs.record_dbt_build(con, context.run_id, digest, reason is not None)
    progress(context, f"dbt build: {built} models in {time.monotonic() - started:.1f} s")


def _dagster_events(invocation: DbtCliInvocation, context: dg.AssetExecutionContext):
    """Yield the invocation's Dagster events as dbt reports them; return how many models it built."""
    to_dagster = DbtBuildEvents(invocation, context)
    raw_events = iter(invocation.stream_raw_events())
    built = 0
    try:
        while True:
            with _dbt_console_quiet():  # around dagster-dbt's work only, never across a yield
                raw = next(raw_events, None)
                events = None if raw is None else to_dagster.of(raw)
            if events is None:
                break
            for event in events:
                if isinstance(event, dg.Output):
                    built += 1
                    progress(context, f"dbt: built {event.output_name}", dagster_log=False)
                yield event
    except Exception:  # dbt failed: what its source tests found is recorded all the same
        yield from to_dagster.source_test_observations()
        raise
    yield from to_dagster.source_test_observations()
    return built


@contextmanager
def _dbt_console_quiet() -> Iterator[None]:
    """Under ``rightswatch run`` (RW_PROGRESS=1) dagster-dbt's echo of every dbt log line is dropped:
    the command prints its own progress and a plain-words summary (run_summary), and dbt keeps its
    full log in its log file (dbt.log under the invocation's target path). Elsewhere (``dagster dev``)
    the lines stay in the step's captured output."""
    if os.environ.get("RW_PROGRESS") != "1":
        yield
        return
    with open(os.devnull, "w", encoding="utf-8") as sink, redirect_stdout(sink):
        yield


def marts_keys() -> list[dg.AssetKey]:
    return sorted((k for k in rightswatch_dbt_models.keys if k.path[0] == "marts"), key=lambda k: k.path)
