"""``rightswatch report``: build, verify, list, approve, reject, send and acknowledge regulator reports.

    rightswatch report --month 2026-01 [--out DIR] [--lang zh|en|both] [--cutoff latest|YYYY-MM-DD[ HH:MM:SS]]
    rightswatch report --week 2026-W05 ...
    rightswatch report verify DIR [--public-key FILE]
    rightswatch report public-key --out FILE
    rightswatch report list
    rightswatch report approve 2026-01 --actor NAME
    rightswatch report reject 2026-01 --actor NAME --reason TEXT
    rightswatch report send 2026-01
    rightswatch report acknowledge 2026-01 --actor NAME
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path

from dagster_project.settings import get_settings


def _actor(args: argparse.Namespace) -> str:
    return args.actor or os.environ.get("RW_USER") or getpass.getuser()


def _build(args: argparse.Namespace) -> int:
    from dagster_project.reports.build import build_report
    from dagster_project.reports.periods import parse_period

    if not args.month and not args.week:
        print("rightswatch report: name a period with --month YYYY-MM or --week YYYY-Www "
              "(or use: report verify DIR | public-key | list | approve | reject | send | acknowledge)", file=sys.stderr)
        return 2
    try:
        period = parse_period(args.month or args.week)
        if args.month and period.kind != "month":
            raise ValueError(f"--month {args.month}: expected YYYY-MM")
    except ValueError as exc:
        print(f"rightswatch report: {exc}", file=sys.stderr)
        return 2
    try:
        result = build_report(period, out_dir=Path(args.out) if args.out else None, lang=args.lang,
                              cutoff=args.cutoff, built_by=_actor(args))
    except (FileNotFoundError, RuntimeError, ValueError) as exc:
        print(f"rightswatch report: {exc}", file=sys.stderr)
        return 1
    print(f"report {period.key} written to {result.report_dir} ({result.source}, cut-off "
          f"{result.manifest.get('cutoff_local')})")
    for name in result.files:
        print(f"  {name}")
    if result.blockers:
        print("NOT DELIVERABLE: " + "; ".join(result.blockers), file=sys.stderr)
        return 3
    print("waiting for approval by a second person (rightswatch report approve "
          f"{period.key} --actor NAME, or the dashboard's approvals page)")
    return 0


def report_problems(report_dir: Path) -> list[str]:
    """Everything wrong with a report folder (files vs manifest, Ed25519 signature with this
    installation's key); empty = intact. The approvals page's check, the same as ``report verify``."""
    from dagster_project.reports.manifest import ManifestError, signing_key, verify

    try:
        public_key = signing_key(get_settings().warehouse, create=False).public_key()
    except ManifestError as exc:
        return [str(exc)]
    return verify(Path(report_dir), public_key)


def _verify(args: argparse.Namespace) -> int:
    """Check a report folder. With ``--public-key`` it needs nothing but the folder and that file (a
    regulator's machine: no warehouse, no settings, nothing written); without it, the platform's own key."""
    from dagster_project.reports.manifest import ManifestError, load_public_key, signing_key, verify

    try:
        if args.public_key:
            public_key = load_public_key(Path(args.public_key))
        else:
            public_key = signing_key(get_settings().warehouse, create=False).public_key()
    except ManifestError as exc:
        print(f"FAIL {exc}", file=sys.stderr)
        return 2
    problems = verify(Path(args.dir), public_key)
    if problems:
        for problem in problems:
            print(f"FAIL {problem}", file=sys.stderr)
        return 1
    print(f"OK {args.dir}: every file matches the manifest and the Ed25519 signature is valid")
    return 0


def _public_key(args: argparse.Namespace) -> int:
    """Export the platform's public key so a regulator can verify reports without the private key."""
    from dagster_project.reports.manifest import ManifestError, key_id, public_key_pem, signing_key

    try:
        private_key = signing_key(get_settings().warehouse)
    except ManifestError as exc:
        print(f"rightswatch report public-key: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.write_bytes(public_key_pem(private_key))
    print(f"public key {key_id(private_key.public_key())} written to {out}; give it to the regulator with "
          "`rightswatch report verify DIR --public-key FILE`")
    return 0


def _state():
    from dagster_project.state import approvals
    from dagster_project.state.db import connect_state

    return approvals, connect_state(get_settings().state_db)


def _list(args: argparse.Namespace) -> int:
    approvals, con = _state()
    try:
        reports = approvals.list_reports(con)
    finally:
        con.close()
    if args.json:
        print(json.dumps(reports, ensure_ascii=False, indent=2))
        return 0
    for r in reports:
        last = r["deliveries"][-1] if r["deliveries"] else None
        delivery = f"{last['status']} (attempt {last['attempt']}, {last['at_utc']})" if last else "-"
        print(f"{r['period']:<10} {r['status']:<13} built by {r['built_by']} {r['built_at']}  "
              f"approved by {r['approved_by'] or '-'}  delivery {delivery}"
              + (f"  BLOCKED: {r['blocked_reason']}" if r["blocked_reason"] else ""))
    return 0


def _transition(args: argparse.Namespace) -> int:
    approvals, con = _state()
    try:
        if args.report_command == "approve":
            row = approvals.approve(con, args.period, _actor(args))
        elif args.report_command == "reject":
            row = approvals.reject(con, args.period, _actor(args), args.reason)
        else:
            row = approvals.acknowledge(con, args.period, _actor(args), args.note)
    except approvals.ApprovalError as exc:
        print(f"rightswatch report {args.report_command}: {exc}", file=sys.stderr)
        return 1
    finally:
        con.close()
    print(f"report {row['period']}: {row['status']}")
    return 0


def _send(args: argparse.Namespace) -> int:
    from dagster_project.reports.delivery import DeliveryError, deliver

    try:
        row = deliver(args.period, actor=_actor(args))
    except DeliveryError as exc:
        print(f"rightswatch report send: {exc}", file=sys.stderr)
        return 1
    print(f"report {row['period']}: {row['status']}")
    return 0


def _dispatch(args: argparse.Namespace) -> int:
    handlers = {"verify": _verify, "public-key": _public_key, "list": _list, "approve": _transition, "reject": _transition,
                "acknowledge": _transition, "send": _send}
    handler = handlers.get(getattr(args, "report_command", None) or "", _build)
    return handler(args)


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report", help="build and verify regulator reports; approve, reject, send",
        description="Build one period's regulator report (PDF, XLSX, CSV, signed manifest) from the published "
                    "warehouse, or verify / approve / send one.")
    parser.add_argument("--month", help="calendar month YYYY-MM")
    parser.add_argument("--week", help="ISO week YYYY-Www (month-to-date figures)")
    parser.add_argument("--out", help="output folder (default: <RW_REPORTS>/<period>)")
    parser.add_argument("--lang", choices=["zh", "en", "both"], default="both", help="language of the files")
    parser.add_argument("--cutoff", help="data cut-off (local time): 'latest', a day or a timestamp; default: "
                                         "the cut-off of the period's first build, else the published one")
    parser.add_argument("--actor", help="your name, recorded as the builder (default: RW_USER or the login)")
    parser.set_defaults(handler=_dispatch)
    sub = parser.add_subparsers(dest="report_command", metavar="ACTION")
    verify = sub.add_parser("verify", help="check every file's hash and size and the manifest's signature")
    verify.add_argument("dir")
    verify.add_argument("--public-key", help="the platform's public key (PEM); default: derive it from the "
                                             "platform's own signing key")
    export = sub.add_parser("public-key", help="write the platform's public signing key (PEM) for regulators")
    export.add_argument("--out", required=True, help="file to write")
    listing = sub.add_parser("list", help="reports with their approval and delivery status")
    listing.add_argument("--json", action="store_true")
    for name, help_text in (("approve", "approve a built report (not by its builder)"),
                            ("reject", "reject a built report with a reason"),
                            ("acknowledge", "record the regulator's receipt of a sent report"),
                            ("send", "deliver an approved report now")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("period")
        p.add_argument("--actor", help="your name (default: RW_USER or the login)")
        if name == "reject":
            p.add_argument("--reason", required=True)
        if name == "acknowledge":
            p.add_argument("--note")
