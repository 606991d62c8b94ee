"""Building dbt command lines, kept pure so the exact arguments are unit-tested."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any


def build_dbt_args(
    command: str = "build",
    *,
    vars: Mapping[str, Any] | None = None,
    select: Sequence[str] = (),
    exclude: Sequence[str] = (),
    exclude_resource_types: Sequence[str] = (),
    full_refresh: bool = False,
) -> list[str]:
    """Arguments for ``dbt <command>``.

    ``vars`` holds only the overrides in force (the defaults stay in dbt_project.yml); they are
    serialised with sorted keys so the same configuration always gives the same command line.
    Pipeline runs exclude ``unit_test``: unit tests check the SQL, not the data, and run in the test
    suite instead of on every build.
    """
    if command not in {"build", "run", "test", "parse", "compile", "docs generate"}:
        raise ValueError(f"unsupported dbt command {command!r}")
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
    return args
