"""``rightswatch privacy export | erase | retention``: the operator's side of PIPL requests.

The clear consumer id is accepted as ``--consumer-id`` or, to keep it out of shell history and
process lists, on stdin (``--consumer-id -`` or no option). It is only hashed with the key, never
written or printed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dagster_project.ingest.pseudonymise import load_or_create_key, pseudonymise
from dagster_project.orchestration.run_lock import EXIT_BUSY, WarehouseBusy, warehouse_lock
from dagster_project.settings import get_settings


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    privacy = subparsers.add_parser("privacy", help="personal data: export a copy, erase a person, apply retention")
    commands = privacy.add_subparsers(dest="privacy_command", required=True, metavar="ACTION")

    export = commands.add_parser("export", help="write what the warehouse holds about one consumer (CSV + JSON)")
    export.add_argument("--consumer-id", default="-", help="clear consumer id, or '-' to read it from stdin")
    export.add_argument("--out", type=Path, required=True, help="folder to write")
    export.set_defaults(handler=_export)

    erase = commands.add_parser("erase", help="erase one consumer's links from both warehouse files and the state store")
    erase.add_argument("--consumer-id", default="-", help="clear consumer id, or '-' to read it from stdin")
    erase.add_argument("--reason", default="operator", help="why (kept in the erasure log), default: operator")
    erase.set_defaults(handler=_erase)

    retention = commands.add_parser("retention", help="erase links to persons from records past the retention period")
    retention.add_argument("--years", type=float, default=None,
                           help="retention period in years (default: RW_RETENTION_YEARS or 3)")
    retention.set_defaults(handler=_retention)


def _clear_id(value: str) -> str:
    text = sys.stdin.readline() if value == "-" else value
    text = text.strip()
    if not text:
        raise SystemExit("rightswatch privacy: no consumer id given (use --consumer-id ID or pass it on stdin)")
    return text


def _export(args: argparse.Namespace) -> int:
    from dagster_project.privacy.export import export_consumer

    settings = get_settings()
    if not settings.warehouse.exists():
        print(f"rightswatch privacy export: no published warehouse at {settings.warehouse}", file=sys.stderr)
        return 1
    pseudonym = pseudonymise(_clear_id(args.consumer_id), load_or_create_key(settings))
    counts = export_consumer(settings.warehouse, pseudonym, args.out.expanduser().resolve())
    print(f"Wrote {args.out}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def _erase(args: argparse.Namespace) -> int:
    from dagster_project.privacy.erasure import erase_consumers

    settings = get_settings()
    key = load_or_create_key(settings)
    pseudonym = pseudonymise(_clear_id(args.consumer_id), key)
    try:
        with warehouse_lock(settings.work_db):  # never while a run writes the work file
            result = erase_consumers(settings, key, {pseudonym}, reason=args.reason)
    except WarehouseBusy as busy:
        print(f"rightswatch privacy erase: {busy}", file=sys.stderr)
        return EXIT_BUSY
    print(f"Erased {result.links_erased} link(s) to the person; {result.values_changed} stored values rewritten; "
          "both warehouse files rewritten, state store vacuumed.")
    return 0


def _retention(args: argparse.Namespace) -> int:
    from dagster_project.privacy.retention import apply_retention, retention_years

    settings = get_settings()
    years = args.years if args.years is not None else retention_years()
    try:
        with warehouse_lock(settings.work_db):
            result = apply_retention(settings, years)
    except WarehouseBusy as busy:
        print(f"rightswatch privacy retention: {busy}", file=sys.stderr)
        return EXIT_BUSY
    print(f"Retention {years:g} years: {result.links_erased} record link(s) erased; "
          f"{result.values_changed} stored values rewritten.")
    return 0
