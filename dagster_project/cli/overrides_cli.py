"""``rightswatch override SOURCE DELIVERY_DATE --actor NAME --reason TEXT``: release a blocked delivery.

The override is stored in the state store and the audit log (state.overrides); the next
``rightswatch run`` lets the delivery through its failed blocking checks and publishes it in
``dq_delivery_overrides`` / ``dq_delivery_blocks`` (data-quality page). It covers the failures known
now: if the delivery's files change and fail again, it is blocked again.
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import closing
from pathlib import Path

from dagster_project.contract import SOURCES
from dagster_project.settings import get_settings


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    override = subparsers.add_parser(
        "override", help="release a delivery blocked by a failed check (named person and reason, audited)")
    override.add_argument("source", choices=SOURCES)
    override.add_argument("delivery_date", help="the delivery folder's date, YYYY-MM-DD")
    override.add_argument("--actor", required=True, help="the named person taking responsibility")
    override.add_argument("--reason", required=True, help="why the delivery may be published despite the failure")
    override.add_argument("--warehouse", type=Path, default=None, help="published DuckDB file (default: RW_WAREHOUSE)")
    override.set_defaults(handler=_override)


def _override(args: argparse.Namespace) -> int:
    from dagster_project.state import connect_state
    from dagster_project.state.overrides import OverrideError, record_override

    if args.warehouse is not None:
        os.environ["RW_WAREHOUSE"] = str(args.warehouse.expanduser().resolve())
    settings = get_settings()
    with closing(connect_state(settings.state_db)) as con:
        try:
            entry = record_override(con, args.source, args.delivery_date, args.actor, args.reason)
        except OverrideError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    print(f"Override {entry['override_id']} recorded: {entry['source']} {entry['delivery_date']} released by "
          f"{entry['overridden_by']} at {entry['overridden_at']} UTC ({entry['reason']}). "
          "The next `rightswatch run` publishes it.")
    return 0
