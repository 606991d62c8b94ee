"""Shared fixtures. `sample_build` is a whole warehouse built the way a user builds it: the real
`rightswatch generate` and `rightswatch run` commands (Dagster running the assets, dbt building the
models, GX validating) on generated sample data, once per test session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RIGHTSWATCH = [sys.executable, "-m", "dagster_project.cli"]
SECOND_SEED = 4242


# The longest test files, longest first, as `pytest --durations` measured them on 2 workers (seconds
# of wall time, setup included): Spark parity ~320, incremental-equals-full ~210, decisions ~120, the
# as-of/12 h and seed-2 builds ~60-90 each. Only a scheduling hint: a file missing here runs after them.
LONGEST_FIRST = (
    "test_spark_parity.py",
    "test_incremental_equals_full.py",
    "test_decisions.py",
    "test_reports_sample.py",
    "test_asof_rebuild.py",
    "test_configured_limits.py",
    "test_enforcement_truth.py",
    "test_enforcement_history.py",
    "test_privacy_sample.py",
    "test_integrity_runs.py",
    "test_pipeline.py",
    "test_versions_by_delivery_day.py",
)


def pytest_collection_modifyitems(session, config, items) -> None:
    """Longest files first (``LONGEST_FIRST``), then the rest in collection order.

    `make test` runs the suite on several workers (pytest-xdist, ``--dist loadfile``: a file's tests
    stay on one worker, files are handed out in this order). Started last, a four-minute file would
    leave the other worker idle at the end; started first, the short files fill in beside it. The sort
    is stable and keyed by file, so a file's tests stay together and in their order.
    """
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


# Files that share a session build other than the default sample go to one worker, which builds it
# once (a session fixture is built once per worker: two workers would each pay the ~60 s build).
SAME_WORKER = {name: "sample_build_12h" for name in
               ("test_asof_rebuild.py", "test_configured_limits.py", "test_run_summary.py")}


def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile`` with the files of ``SAME_WORKER`` as one unit of work (xdist's own hook)."""
    if config.getoption("dist", None) != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedBuildScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = super()._split_scope(nodeid)
            return SAME_WORKER.get(Path(path).name, path)

    return SharedBuildScheduling(config, log)


@dataclass(frozen=True)
class SampleBuild:
    root: Path
    landing: Path
    warehouse: Path
    work_db: Path
    env: dict[str, str]
    run_output: str

    def rightswatch(self, *args: str, check: bool = True, env: dict[str, str] | None = None,
                    timeout: int = 900) -> subprocess.CompletedProcess:
        return run_cli(*args, env={**self.env, **(env or {})}, check=check, timeout=timeout)

    def copy(self, folder: Path) -> SampleBuild:
        """A private copy of this build under ``folder`` (``folder/copy``, its own Dagster home), for a test
        that runs the pipeline again: the session's build stays as it is for every other test."""
        root, home = folder / "copy", folder / "dh"
        shutil.copytree(self.root, root, ignore=shutil.ignore_patterns("dagster_home"))
        home.mkdir()
        warehouse = root / "warehouse" / "rightswatch.duckdb"
        env = {**self.env, "RW_LANDING": str(root / "landing"), "RW_WAREHOUSE": str(warehouse),
               "DAGSTER_HOME": str(home)}
        return SampleBuild(root=root, landing=root / "landing", warehouse=warehouse,
                           work_db=warehouse.with_name(warehouse.stem + ".work.duckdb"), env=env, run_output="")


def run_cli(*args: str, env: dict[str, str], check: bool = True, timeout: int = 900) -> subprocess.CompletedProcess:
    proc = subprocess.run([*RIGHTSWATCH, *args], env=env, cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"rightswatch {' '.join(args)} exited {proc.returncode}\n--- stdout\n{proc.stdout[-6000:]}"
            f"\n--- stderr\n{proc.stderr[-6000:]}"
        )
    return proc


def build_env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RW_")}
    env.update(
        RW_LANDING=str(root / "landing"),
        RW_WAREHOUSE=str(root / "warehouse" / "rightswatch.duckdb"),
        RW_REPORTS=str(root / "reports"),
        RW_USERS_FILE=str(root / "users.json"),
        DAGSTER_HOME=str(root / "dagster_home"),
        PYTHONUNBUFFERED="1",
    )
    (root / "dagster_home").mkdir(parents=True, exist_ok=True)
    return env


def make_sample_build(root: Path, seed: int | None = None, orders: int | None = None,
                      config: str | None = None) -> SampleBuild:
    """Generate and build a sample; ``config`` is the text of an RW_CONFIG file to build with."""
    env = build_env(root)
    if config is not None:
        (root / "rw_config.yml").write_text(config, encoding="utf-8")
        env["RW_CONFIG"] = str(root / "rw_config.yml")
    args = ["generate", "--out", env["RW_LANDING"]]
    if seed is not None:
        args += ["--seed", str(seed)]
    if orders is not None:
        args += ["--orders", str(orders)]
    run_cli(*args, env=env)
    run = run_cli("run", env=env)
    warehouse = Path(env["RW_WAREHOUSE"])
    return SampleBuild(root=root, landing=Path(env["RW_LANDING"]), warehouse=warehouse,
                       work_db=warehouse.with_name(warehouse.stem + ".work.duckdb"), env=env,
                       run_output=run.stdout)


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> SampleBuild:
    """The default sample (default seed and size), built and published."""
    return make_sample_build(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="session")
def sample_build_seed2(tmp_path_factory) -> SampleBuild:
    """A second seed, for checks that must hold for any generated data."""
    return make_sample_build(tmp_path_factory.mktemp("sample_seed2"), seed=SECOND_SEED)


@pytest.fixture(scope="session")
def sample_build_12h(tmp_path_factory) -> SampleBuild:
    """A small sample built with the README's example override of the first-response limit.

    ``RW_LIMIT12_BUILD=<root>`` reuses a root built by this fixture before (fast iteration)."""
    reuse = os.environ.get("RW_LIMIT12_BUILD")
    if reuse:
        root = Path(reuse)
        env = {**build_env(root), "RW_CONFIG": str(root / "rw_config.yml")}
        warehouse = Path(env["RW_WAREHOUSE"])
        return SampleBuild(root=root, landing=Path(env["RW_LANDING"]), warehouse=warehouse,
                           work_db=warehouse.with_name(warehouse.stem + ".work.duckdb"), env=env, run_output="")
    return make_sample_build(tmp_path_factory.mktemp("limit12"), orders=3000,
                             config="rw_first_response_hours: 12\n")
