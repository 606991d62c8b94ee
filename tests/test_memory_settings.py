"""RW_MEMORY_LIMIT and RW_TEMP_DIR reach every DuckDB the pipeline opens: ingestion's work database,
publication's copy, the privacy compaction's copy and dbt's profile."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import jinja2
import pytest
import yaml

from dagster_project.settings import DBT_PROJECT_DIR
from dagster_project.warehouse import memory
from dagster_project.warehouse.work_db import connect_work_db


def _setting(con, name: str) -> str:
    return con.execute(f"select current_setting('{name}')").fetchone()[0]


def test_the_work_database_uses_the_configured_limit_and_spill_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("RW_MEMORY_LIMIT", "512MiB")
    monkeypatch.setenv("RW_TEMP_DIR", str(tmp_path / "spill"))
    with closing(connect_work_db(tmp_path / "w.work.duckdb")) as con:
        assert _setting(con, "memory_limit") == "512.0 MiB"
        assert _setting(con, "temp_directory") == str(tmp_path / "spill")


def test_defaults_are_sized_to_the_machine_and_spill_beside_the_work_file(tmp_path, monkeypatch):
    monkeypatch.delenv("RW_MEMORY_LIMIT", raising=False)
    monkeypatch.delenv("RW_TEMP_DIR", raising=False)
    limit = memory.memory_limit()
    assert limit.endswith("MiB") and 0 < int(limit[:-3]) <= 1536  # 40 % of the machine, at most 1.5 GiB
    with closing(connect_work_db(tmp_path / "w.work.duckdb")) as con:
        assert _setting(con, "temp_directory") == str(tmp_path / "w.work.tmp")


def test_a_wrong_memory_limit_names_the_setting(monkeypatch):
    monkeypatch.setenv("RW_MEMORY_LIMIT", "lots")
    with pytest.raises(memory.MemorySettingError, match="RW_MEMORY_LIMIT='lots'"):
        memory.memory_limit()


def test_the_dbt_profile_reads_the_values_the_pipeline_exports(tmp_path, monkeypatch):
    monkeypatch.setenv("RW_MEMORY_LIMIT", "700MB")
    monkeypatch.setenv("RW_TEMP_DIR", str(tmp_path / "spill"))
    monkeypatch.setenv("RW_WAREHOUSE", str(tmp_path / "w.duckdb"))
    for name in ("RW_DBT_CWD", "RW_DBT_CWD_WORK_FILE", "RW_DBT_CWD_TEMP_DIR"):
        monkeypatch.setenv(name, "")  # put back after the test: export_for_dbt sets them for the process
    exported = memory.export_for_dbt(tmp_path / "w.work.duckdb")
    assert exported == {"RW_MEMORY_LIMIT": "700MB",
                        "RW_DBT_CWD": str(tmp_path), "RW_DBT_CWD_WORK_FILE": "w.work.duckdb",
                        "RW_DBT_CWD_TEMP_DIR": "spill"}
    import os

    def rendered_profile(env: dict[str, str]) -> dict:
        template = (DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8")
        rendered = jinja2.Environment().from_string(template).render(
            env_var=lambda name, default=None: env.get(name, default))
        return yaml.safe_load(rendered)["rightswatch"]["outputs"]["duckdb"]

    duckdb_output = rendered_profile(dict(os.environ))  # a plain dbt started by this process
    # given when dbt opens the work file, exactly as the pipeline's own connections get them
    assert duckdb_output["config_options"] == memory.duckdb_config(tmp_path / "w.work.duckdb")
    assert duckdb_output["config_options"]["memory_limit"] == "700MB"
    assert Path(duckdb_output["config_options"]["temp_directory"]) == tmp_path / "spill"
    assert Path(duckdb_output["path"]) == tmp_path / "w.work.duckdb"
    assert not {"memory_limit", "temp_directory"} & set(duckdb_output["settings"])  # never SET per cursor
    # the pipeline's dbt, started by the wrapper in RW_DBT_CWD: the same files, named relative to it
    wrapped = rendered_profile({**os.environ, "RW_DBT_WORK_FILE": exported["RW_DBT_CWD_WORK_FILE"],
                                "RW_DBT_TEMP_DIR": exported["RW_DBT_CWD_TEMP_DIR"]})
    assert wrapped["path"] == "w.work.duckdb" and wrapped["config_options"]["temp_directory"] == "spill"
    assert tmp_path / wrapped["path"] == tmp_path / "w.work.duckdb"


def test_dbt_goes_on_building_after_duckdb_spilled_to_its_temp_directory(tmp_path):
    """The first 10 M build failed here: dbt-duckdb SETs a profile's ``settings`` on every cursor it
    opens, and once DuckDB has spilled, SET temp_directory fails even with the same value. Real dbt on
    the project's profile: a 100 MB limit makes the first model spill; the models after it open cursors."""
    import os
    import subprocess
    import sys

    project = tmp_path / "spill_check"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: spill_check\nversion: '1.0'\nprofile: rightswatch\n"
        "models:\n  spill_check:\n    +materialized: table\n", encoding="utf-8")
    (project / "models" / "spilled.sql").write_text(
        "select i, md5(cast(i as varchar)) as s from range(3000000) r(i) order by s\n", encoding="utf-8")
    for n in range(4):
        (project / "models" / f"after_{n}.sql").write_text("select count(*) as n from {{ ref('spilled') }}\n",
                                                           encoding="utf-8")
    env = {**os.environ, "RW_WAREHOUSE": str(tmp_path / "w.duckdb"), "RW_MEMORY_LIMIT": "100MB",
           "RW_TEMP_DIR": str(tmp_path / "spill")}
    proc = subprocess.run([str(Path(sys.executable).with_name("dbt")), "run", "--project-dir", str(project),
                           "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(tmp_path / "target"),
                           "--log-path", str(tmp_path / "logs")],
                          cwd=project, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "Completed successfully" in proc.stdout and "PASS=5" in proc.stdout, proc.stdout[-4000:]


def test_the_privacy_compaction_copies_under_the_configured_limit(tmp_path, monkeypatch):
    """The compaction's in-memory copy connection once ran with DuckDB's default of 80 % of RAM and was
    the 10 M build's memory peak. A real compaction of a small file; the spy only reads the settings of
    the connections it opens."""
    import duckdb

    from dagster_project.privacy import erasure

    monkeypatch.setenv("RW_MEMORY_LIMIT", "256MiB")
    monkeypatch.delenv("RW_TEMP_DIR", raising=False)
    path = tmp_path / "w.work.duckdb"
    with closing(duckdb.connect(str(path))) as con:
        con.execute("CREATE TABLE t AS SELECT range AS n FROM range(1000)")
    seen = []
    real = memory.connect

    def spy(database, work_db):
        con = real(database, work_db)
        seen.append((_setting(con, "memory_limit"), _setting(con, "temp_directory")))
        return con

    monkeypatch.setattr(memory, "connect", spy)
    erasure.compact_duckdb_file(path)
    assert seen == [("256.0 MiB", str(tmp_path / "w.work.tmp"))]
    with closing(duckdb.connect(str(path), read_only=True)) as con:
        assert con.execute("select count(*) from t").fetchone()[0] == 1000


@pytest.mark.parametrize(("asked", "used"), [(None, "jemalloc"), ("mimalloc", "mimalloc"), ("system", "system")])
def test_arrow_allocates_with_jemalloc_unless_told_otherwise(asked, used):
    """Importing ingestion picks Arrow's allocator (dagster_project/ingest/__init__.py says why); an explicit
    ARROW_DEFAULT_MEMORY_POOL still wins. A fresh interpreter: the choice is made once per process. The
    package's light modules do not load Arrow for it."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if asked:
        env["ARROW_DEFAULT_MEMORY_POOL"] = asked
    probe = ("import sys, dagster_project.settings; print('pyarrow' in sys.modules); "
             "import dagster_project.ingest, pyarrow; print(pyarrow.default_memory_pool().backend_name)")
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    light, chosen = out.stdout.split()
    assert light == "False"
    assert chosen == used
