"""Fixtures for the dashboard tests: a published warehouse, accounts for every role, AppTest helpers.

The warehouse is a copy of the session's ``sample_build`` (the real pipeline on the default sample)
with one hostile complaint added (markup and a spreadsheet formula in its description). Set
``RW_DASH_DATA=fake`` to use the small hand-made warehouse of ``fake_warehouse.py`` instead (fast
iteration without a pipeline build), or ``RW_DASH_WAREHOUSE=<published .duckdb>`` to copy a warehouse
you built yourself.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fake_warehouse  # noqa: E402

from dagster_project.state.users import add_user  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parents[2]
APP = PROJECT_ROOT / "dashboards" / "app.py"
ROLES = ("analyst", "regulator", "manager", "admin")


def password_of(role: str) -> str:
    return f"{role}-Pa55word!"


@dataclass(frozen=True)
class DashEnv:
    root: Path
    warehouse: Path
    users_file: Path
    env: dict[str, str]

    @property
    def state_db(self) -> Path:
        return self.warehouse.with_name(self.warehouse.stem + ".state.sqlite")


@pytest.fixture(scope="session")
def dash_data(request, tmp_path_factory) -> DashEnv:
    root = tmp_path_factory.mktemp("dash")
    warehouse = root / "warehouse" / "rightswatch.duckdb"
    warehouse.parent.mkdir(parents=True)
    prebuilt = os.environ.get("RW_DASH_WAREHOUSE")
    if os.environ.get("RW_DASH_DATA") == "fake":
        fake_warehouse.build(warehouse)
    elif prebuilt:
        shutil.copy2(prebuilt, warehouse)
        fake_warehouse.plant_hostile_complaint(warehouse)
    else:
        build = request.getfixturevalue("sample_build")
        shutil.copy2(build.warehouse, warehouse)
        fake_warehouse.plant_hostile_complaint(warehouse)
    users_file = root / "users.json"
    for role in ROLES:
        add_user(users_file, role, role, password_of(role))
    env = {k: v for k, v in os.environ.items() if not k.startswith("RW_")}
    env.update(RW_WAREHOUSE=str(warehouse), RW_USERS_FILE=str(users_file), RW_REPORTS=str(root / "reports"))
    return DashEnv(root=root, warehouse=warehouse, users_file=users_file, env=env)


@pytest.fixture
def dash_env(dash_data: DashEnv, monkeypatch) -> Iterator[DashEnv]:
    """The dashboard settings in this process's environment (AppTest runs the app in-process)."""
    for key in [k for k in os.environ if k.startswith("RW_") and k != "RW_DASH_DATA"]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("RW_WAREHOUSE", str(dash_data.warehouse))
    monkeypatch.setenv("RW_USERS_FILE", str(dash_data.users_file))
    monkeypatch.setenv("RW_REPORTS", str(dash_data.root / "reports"))
    yield dash_data


def new_app():
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(APP), default_timeout=60)


def sign_in(at, name: str, password: str | None = None):
    at.text_input(key="sign_in_name").input(name)
    at.text_input(key="sign_in_password").input(password if password is not None else password_of(name))
    at.button[0].click()
    return at.run()


def signed_in(role: str, lang: str | None = None, interactive: bool = False):
    """A signed-in AppTest session; ``interactive`` turns the sidebar's interactive tables and charts on."""
    from dashboards.static_view import INTERACTIVE_KEY

    at = new_app()
    if lang:
        at.session_state["lang"] = lang
    if interactive:
        at.session_state[INTERACTIVE_KEY] = True
    at.run()
    sign_in(at, role)
    assert not at.exception, at.exception
    return at
