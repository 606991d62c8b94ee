"""The ``rightswatch`` console script.

Each feature module registers its own sub-commands through a ``register_cli(subparsers)`` function
(see ``_REGISTRARS``), so the command line grows with the features without one module knowing them all.
A handler returns the process exit code. ``python -m dagster_project.cli`` runs it through ``__main__``.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

# Modules exposing ``register_cli(subparsers)``, imported when the parser is built.
_REGISTRARS: tuple[str, ...] = (
    "dagster_project.cli.commands",       # generate, run, serve
    "dagster_project.state.users",        # users add / remove / list
    "dagster_project.reports.cli",        # report, report verify
    "dagster_project.privacy.cli",        # privacy export / erase / retention
    "dagster_project.cli.overrides_cli",  # override (release a blocked delivery)
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rightswatch",
        description="RightsWatch: consumer-rights protection warehouse for e-commerce platforms.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in _REGISTRARS:
        importlib.import_module(module_name).register_cli(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.handler(args) or 0)
