"""Building dbt command lines, kept pure so the exact arguments are unit-tested."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from dagster_project.settings import ENGINES

# The run tag that asks a warehouse run to rebuild every incremental model from the kept history.
# A tag (not op config) because two steps read it: ingestion must not stop at "nothing new", and the
# dbt step adds ``--full-refresh``. ``rightswatch run --full-refresh`` sets it; in the Dagster UI it is
# added on the launchpad like any tag.
FULL_REFRESH_TAG = "rightswatch/full_refresh"
# dbt unit tests check SQL logic on fixed rows; they run in the test suite, not on every data build.
PIPELINE_EXCLUDED_RESOURCE_TYPES = ("unit_test",)


def build_dbt_args(
    command: str = "build",
    *,
    vars: Mapping[str, Any] | None = None,
    select: Sequence[str] = (),
    exclude: Sequence[str] = (),
    exclude_resource_types: Sequence[str] = (),
    full_refresh: bool = False,
    engine: str = "duckdb",
) -> list[str]:
    """Arguments for ``dbt <command>``.

    ``vars`` holds only the overrides in force (the defaults stay in dbt_project.yml); they are
    serialised with sorted keys so the same configuration always gives the same command line.
    Pipeline runs exclude ``unit_test``: unit tests check the SQL, not the data, and run in the test
    suite instead of on every build. ``engine`` (settings.engine, RW_ENGINE) names the dbt target; the
    profile's default target is DuckDB, so only another engine adds ``--target``.
    """
    if command not in {"build", "run", "test", "parse", "compile", "docs generate"}:
        raise ValueError(f"unsupported dbt command {command!r}")
    if engine not in ENGINES:
        raise ValueError(f"unsupported engine {engine!r}: expected one of {', '.join(ENGINES)}")
    args = command.split()
    if vars:
        args += ["--vars", json.dumps(dict(vars), sort_keys=True, ensure_ascii=False, default=str)]
    if select:
        args += ["--select", *select]
    if exclude:
        args += ["--exclude", *exclude]
    if exclude_resource_types:
        args += ["--exclude-resource-type", *exclude_resource_types]
    if full_refresh:
        if command not in {"build", "run"}:
            raise ValueError("--full-refresh applies to dbt build and dbt run only")
        args.append("--full-refresh")
    if engine != ENGINES[0]:
        args += ["--target", engine]
    return args


def run_tags(*, full_refresh: bool = False) -> dict[str, str]:
    """The tags a warehouse run is launched with for the command-line options given."""
    return {FULL_REFRESH_TAG: "true"} if full_refresh else {}


def full_refresh_requested(tags: Mapping[str, str]) -> bool:
    """Whether a run's tags ask for a full refresh (``true``/``1``/``yes``, any case)."""
    return str(tags.get(FULL_REFRESH_TAG, "")).strip().lower() in {"true", "1", "yes"}


def full_refresh_reason(tags: Mapping[str, str], last_digest: str | None, digest: str,
                        unfinished_run: str | None = None) -> str | None:
    """Why a warehouse run must rebuild every incremental model, or None when an incremental build is right.

    Incremental models keep rows computed by earlier builds; they are only right while the logic that
    computed them is the same, and while every build that changed them finished. ``digest`` is this
    build's dbt inputs digest (dbt project, landing contract, configuration overrides), ``last_digest``
    the last successful build's (None when none is recorded, as in a work file built before builds were
    recorded), ``unfinished_run`` the run whose dbt build started last and did not finish
    (build_inputs.unfinished_dbt_build)."""
    if full_refresh_requested(tags):
        return "asked for (--full-refresh)"
    if last_digest is None:
        return "no earlier dbt build of this work file is recorded"
    if unfinished_run is not None:
        return (f"the dbt build of run {unfinished_run} stopped before it finished, so incremental models "
                "may be out of step with each other")
    if last_digest != digest:
        return "the dbt project, the landing contract or the configuration changed since the last build"
    return None


def pipeline_build_args(overrides: Mapping[str, Any] | None, *, full_refresh: bool = False,
                        engine: str = "duckdb") -> list[str]:
    """``dbt build`` as a warehouse run issues it: configuration overrides, unit tests left to the
    test suite, ``--full-refresh`` when :func:`full_refresh_reason` gives a reason, and the dbt target
    of ``engine`` (settings.engine, RW_ENGINE)."""
    return build_dbt_args("build", vars=overrides, exclude_resource_types=PIPELINE_EXCLUDED_RESOURCE_TYPES,
                          full_refresh=full_refresh, engine=engine)


# DuckDB's words when a query needs more memory than the limit lets it have (and it cannot spill).
OUT_OF_MEMORY = "Out of Memory Error"


def out_of_memory_retry_args(build_args: Sequence[str], run_results: Mapping[str, Any],
                             state_dir: str) -> list[str] | None:
    """``dbt build`` again for what a build could not finish for want of memory, one node at a time.

    The profile builds two models at once. At 10 M order lines two of the largest (the order facts and
    ``fct_order_lines``), running side by side, once needed more than the DuckDB memory limit and the
    build failed, though the pair fits on a rerun (docs/performance.md, fifteenth session). When every
    error of the build is DuckDB's out of memory, the failed nodes and everything skipped after them are
    built again with one thread, by dbt's own state selection on the first build's results (``--state``:
    its ``run_results.json``; one ``--select`` value, as dagster-dbt passes a selection on). With any
    other error, or none, there is nothing to retry: None."""
    errors = [r for r in run_results.get("results", []) if r.get("status") == "error"]
    if not errors or any(OUT_OF_MEMORY not in (r.get("message") or "") for r in errors):
        return None
    return [*build_args, "--select", "result:error+ result:skipped+", "--state", state_dir, "--threads", "1"]
