"""Mechanical port of the dbt project's DuckDB-only type name ``varchar`` to ``string`` (issue 12).

Why a script: ``varchar`` without a length fails on Spark, ``string`` means VARCHAR on DuckDB and
STRING on Spark, and other branches keep adding models. The integrator re-runs this after merging
them instead of resolving the rewrite by hand; it is idempotent (a second run changes nothing).

    python scripts/port_types_to_string.py [--check]

Rewrites, under dbt/ (not dbt/target): in every .sql file the word ``varchar`` (any case; a
``varchar(n)`` keeps its length and is left alone) -> ``string``; in every model .yml
``data_type: varchar`` -> ``data_type: string``. The generated sources file is left as rendered
(it describes the DuckDB raw tables; dbt does not enforce source types). ``--check`` exits 1 and
lists the files it would change.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

DBT = Path(__file__).resolve().parent.parent / "dbt"
SQL_VARCHAR = re.compile(r"\bvarchar\b(?!\s*\()", re.IGNORECASE)
YML_VARCHAR = re.compile(r"(data_type:\s*)varchar\b(?!\s*\()", re.IGNORECASE)


def rewrite(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".sql":
        return SQL_VARCHAR.sub(lambda m: "STRING" if m.group(0).isupper() else "string", text)
    return YML_VARCHAR.sub(r"\1string", text)


def targets() -> list[Path]:
    files = [p for p in DBT.rglob("*.sql") if "target" not in p.relative_to(DBT).parts]
    files += [p for p in DBT.rglob("*.yml") if "target" not in p.relative_to(DBT).parts
              and not p.name.endswith("__sources.yml")]
    return sorted(files)


def main(argv: list[str]) -> int:
    changed = [p for p in targets() if rewrite(p) != p.read_text(encoding="utf-8")]
    if "--check" in argv:
        for p in changed:
            print(p.relative_to(DBT.parent))
        return 1 if changed else 0
    for p in changed:
        p.write_text(rewrite(p), encoding="utf-8")
        print(f"rewrote {p.relative_to(DBT.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
