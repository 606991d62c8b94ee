"""``python -m dagster_project.validation.render``: write ``expectations/<source>.json`` from the contract.

``--check`` writes nothing and exits 1 when a committed file differs from a fresh render (for CI).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dagster_project.contract import SOURCES
from dagster_project.settings import EXPECTATIONS_DIR
from dagster_project.validation.suites import render_text, suite_path


def render_all(directory: Path = EXPECTATIONS_DIR, check: bool = False) -> list[Path]:
    """Render every suite; return the files that were (or, with ``check``, would be) changed."""
    changed = []
    for source in SOURCES:
        path = suite_path(source, directory)
        text = render_text(source)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        changed.append(path)
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="only report suites that differ from a render")
    parser.add_argument("--dir", type=Path, default=EXPECTATIONS_DIR, help="output directory")
    args = parser.parse_args(argv)
    changed = render_all(args.dir, check=args.check)
    for path in changed:
        print(f"{'out of date' if args.check else 'wrote'}: {path}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
