"""The dbt DAG reads top-down (issue 13): staging -> intermediate -> marts, no model reading a layer
above its own, source() only in staging, and every model folder documented by its own
`_<folder>__models.yml`. Cheap: `dbt parse` (no warehouse needed) and a walk over target/manifest.json."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt"
DBT = str(Path(sys.executable).with_name("dbt"))
LAYERS = ("staging", "intermediate", "marts")


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("dbt_parse")
    env = {**os.environ, "RW_WAREHOUSE": str(tmp / "rightswatch.duckdb")}
    proc = subprocess.run(
        [DBT, "parse", "--profiles-dir", ".", "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"),
         "--no-partial-parse"],
        cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return json.loads((tmp / "target" / "manifest.json").read_text())


def _models(manifest: dict) -> dict[str, dict]:
    return {uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"}


def _layer(node: dict) -> str:
    layer = Path(node["original_file_path"]).parts[1]
    assert layer in LAYERS, f"{node['original_file_path']}: a model outside {LAYERS}"
    return layer


def upward_edges(manifest: dict) -> list[str]:
    """Every edge that reads a layer above the reader's own, and every source() outside staging."""
    models = _models(manifest)
    problems = []
    for node in models.values():
        layer = _layer(node)
        for parent in node["depends_on"]["nodes"]:
            if parent.startswith("source."):
                if layer != "staging":
                    problems.append(f"{node['name']} ({layer}) reads {parent}: source() only in staging")
                continue
            if parent not in models:
                continue
            parent_layer = _layer(models[parent])
            if layer == "staging":
                problems.append(f"{node['name']} (staging) refs {models[parent]['name']}: staging reads sources only")
            elif LAYERS.index(parent_layer) > LAYERS.index(layer):
                problems.append(f"{node['name']} ({layer}) refs {models[parent]['name']} ({parent_layer})")
    return problems


def test_no_model_reads_a_layer_above_its_own(manifest):
    assert upward_edges(manifest) == []


def test_the_check_sees_an_upward_edge(manifest):
    """The check itself can fail: an intermediate model made to ref a mart is reported."""
    models = _models(manifest)
    reader = next(uid for uid, n in models.items() if _layer(n) == "intermediate")
    mart = next(uid for uid, n in models.items() if _layer(n) == "marts")
    source = next(iter(manifest["sources"]))
    bent = json.loads(json.dumps(manifest))
    bent["nodes"][reader]["depends_on"]["nodes"] += [mart, source]
    problems = upward_edges(bent)
    assert len(problems) == 2, problems


def test_every_model_folder_has_its_models_yml(manifest):
    folders = {Path(n["original_file_path"]).parent for n in _models(manifest).values()}
    missing = [str(f) for f in sorted(folders) if not (DBT_PROJECT_DIR / f / f"_{f.name}__models.yml").is_file()]
    assert missing == []


def test_every_model_is_documented(manifest):
    undocumented = sorted(n["name"] for n in _models(manifest).values() if not n.get("patch_path"))
    assert undocumented == []


VAR_CALL = re.compile(r"""\bvar\(\s*['"]([a-z0-9_]+)['"]\s*(,)?""")


def test_var_defaults_are_declared_once():
    """Every var the SQL reads is declared (with its default) in dbt_project.yml, and no call repeats a
    default inline: a default changed in one place holds everywhere."""
    declared = set(yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"])
    inline, undeclared = [], []
    for path in sorted([*DBT_PROJECT_DIR.glob("models/**/*.sql"), *DBT_PROJECT_DIR.glob("macros/**/*.sql"),
                        *DBT_PROJECT_DIR.glob("tests/**/*.sql")]):
        for name, comma in VAR_CALL.findall(path.read_text()):
            where = f"{path.relative_to(DBT_PROJECT_DIR)}: var('{name}')"
            if comma:
                inline.append(where)
            if name not in declared:
                undeclared.append(where)
    assert inline == [] and undeclared == []


def test_contract_values_reach_dbt_from_the_rendered_sources(manifest):
    """The landing time zone and the column defaults are read from the sources rendered from the contract
    (macros rw_landing_tz, rw_contract_default), never typed in SQL."""
    from dagster_project.contract import load_contract

    contract = load_contract()
    platform = {n["name"]: n for n in manifest["sources"].values() if n["source_name"] == "platform"}
    assert {n["source_meta"]["default_timezone"] for n in platform.values()} == {contract.default_timezone}
    for source in contract.sources.values():
        for col in source.columns:
            if col.default is not None:
                assert platform[source.name]["columns"][col.stored_name]["meta"]["default"] == col.default
    staging = (DBT_PROJECT_DIR / "models" / "staging").rglob("*.sql")
    typed = [str(p) for p in staging if re.search(r"'CNY'|coalesce\([a-z_]+, (false|true)\)", p.read_text())]
    assert typed == []
    assert "Asia/Shanghai" not in "".join(p.read_text() for p in DBT_PROJECT_DIR.glob("**/*.sql")
                                          if "target" not in p.parts)


def test_every_platform_source_flags_versions_after_their_delivery_day(manifest):
    """Landing contract 1.1: the soft flag updated_at_after_delivery is computed in staging for every
    contract source (a fifth source included), so no version is visible without a flag saying why."""
    from dagster_project.contract import load_contract

    staging = {n["name"]: n for n in _models(manifest).values() if _layer(n) == "staging"}
    for source in load_contract().sources:
        model = staging[f"stg_platform__{source}"]
        # rw_delivery_metadata() carries dq_flags built by rw_staging_dq_flags()
        assert "rw_delivery_metadata()" in model["raw_code"], model["original_file_path"]
    macros = (DBT_PROJECT_DIR / "macros" / "rw_version_order.sql").read_text()
    body = macros.split("macro rw_delivery_metadata()")[1].split("endmacro")[0]
    assert "rw_staging_dq_flags() }} as dq_flags" in body


def test_per_source_models_ref_every_contract_source(manifest):
    """dq_row_flags, dq_file_reconciliation and rpt_kpi_monthly (through macros kpi_loaded_through and
    kpi_touched_months) loop over rw_contract_sources() (rendered from the contract): the refs they
    build at parse time reach the DAG for every source."""
    from dagster_project.contract import load_contract

    models = {n["name"]: n for n in _models(manifest).values()}
    expected = {  # reader: (parent per source, the macro it calls that loops over the sources)
        "dq_row_flags": ("int_{}__versions_as_of", "rw_contract_sources"),
        "dq_file_reconciliation": ("stg_platform__{}", "rw_contract_sources"),
        "rpt_kpi_monthly": ("stg_platform__{}", "kpi_loaded_through"),
    }
    for reader, (parent, macro) in expected.items():
        parents = set(models[reader]["depends_on"]["nodes"])
        assert f"macro.rightswatch.{macro}" in models[reader]["depends_on"]["macros"], reader
        for source in load_contract().sources:
            assert models[parent.format(source)]["unique_id"] in parents, (reader, source)


def test_latest_versions_are_chosen_by_one_macro(manifest):
    """Every int_<source>__latest is rw_latest_version over its versions as of the cut-off: the
    row_number over rw_version_order is written once, in the macro."""
    from dagster_project.contract import load_contract

    models = {n["name"]: n for n in _models(manifest).values()}
    for source in load_contract().sources:
        node = models[f"int_{source}__latest"]
        assert "macro.rightswatch.rw_latest_version" in node["depends_on"]["macros"], node["name"]
        assert "row_number" not in node["raw_code"], node["name"]
