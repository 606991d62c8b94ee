"""The one Great Expectations context of the process, quiet and cached.

Creating a GX context and registering a datasource costs seconds, so it is done once per process and
reused by every validation (Dagster asset checks, the CLI, the tests). GX's usage statistics and tqdm
progress bars are switched off: they would phone home and clutter Dagster's logs for every suite.
The pandas datasource is used because GX 1.24's SQL datasource fails every expectation on DuckDB
(IndexError in resolve_metric_bundle, an upstream bug).
"""

from __future__ import annotations

import os
import threading
from functools import cache

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx  # noqa: E402  (the environment must be set before the import)
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402
from great_expectations.execution_engine import pandas_execution_engine  # noqa: E402
from great_expectations.expectations.expectation_configuration import (  # noqa: E402
    ExpectationConfiguration,
)

# GX fingerprints every pandas batch under 1 GB with ``pd.util.hash_pandas_object`` of the whole frame
# (the ``pandas_data_fingerprint`` batch marker). Nothing here reads that marker, and it cost 1.7-2 s of
# every validation of a million-row frame, the same again for every slice of a bigger delivery.
# A threshold of 0 skips it; results are unchanged (tests/test_gx_frames.py checks the marker is gone).
pandas_execution_engine.HASH_THRESHOLD = 0

DATASOURCE = "rightswatch_raw"
# GX's context and validator are not thread-safe; Dagster may run asset checks in threads.
LOCK = threading.RLock()

# Our severities -> GX's own FailureSeverity, so GX renderers agree with meta.severity.
GX_SEVERITY = {"error": "critical", "warn": "warning"}


@cache
def context():
    """Ephemeral (in-memory) context: nothing is written to disk and nothing is read from it."""
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    ctx.data_sources.add_pandas(DATASOURCE)
    return ctx


@cache
def batch_definition(source: str):
    """Whole-dataframe batch definition of one source; the frame is passed at validation time."""
    asset = context().data_sources.get(DATASOURCE).add_dataframe_asset(source)
    return asset.add_batch_definition_whole_dataframe("delivery")


def expectation(config: dict):
    """A GX Expectation from its plain configuration (``type``, ``kwargs``, ``meta``)."""
    return ExpectationConfiguration(
        type=config["type"],
        kwargs=config["kwargs"],
        meta=config.get("meta") or {},
        severity=GX_SEVERITY[config["meta"]["severity"]],
    ).to_domain_obj()


def normalised(config: dict) -> dict:
    """The configuration as GX itself serialises it; building the object also validates the kwargs."""
    out = expectation(config).configuration.to_json_dict()
    out.pop("id", None)
    return out
