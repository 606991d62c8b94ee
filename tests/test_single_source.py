"""One rule, one place on the Python side: the source list, the generator's columns, the GX result
store's columns and the reporting time zone each come from their one definition."""

from __future__ import annotations

import dataclasses
import importlib
import inspect

import yaml

from dagster_project.contract import SOURCES, contract, load_contract
from dagster_project.generate import writers
from dagster_project.settings import CONTRACT_PATH
from dagster_project.validation import store
from dagster_project.warehouse.work_db import META_TABLES


def test_sources_are_the_contract_files_in_its_order():
    declared = yaml.safe_load(CONTRACT_PATH.read_text(encoding="utf-8"))["sources"]
    assert tuple(declared) == SOURCES
    # no second list of names in the code that reads the contract
    assert not any(f'"{name}"' in inspect.getsource(contract) for name in declared)


def test_generator_writes_the_columns_of_the_one_contract(monkeypatch):
    real = load_contract()
    orders = real["orders"]
    extra = dataclasses.replace(orders.columns[0], name="added_in_the_contract")
    changed = dataclasses.replace(real, sources={**real.sources,
                                                 "orders": dataclasses.replace(orders, columns=(*orders.columns, extra))})
    monkeypatch.setattr(writers, "load_contract", lambda: changed)
    columns = writers.load_columns()
    assert columns["orders"][-1] == ("added_in_the_contract", orders.columns[0].type)
    assert list(columns) == list(real.sources)


def test_gx_result_store_writes_the_columns_the_ddl_declares():
    assert store._COLUMNS.split(", ") == [name for name, _ in META_TABLES["gx_results"]]
    assert "element_count, unexpected_count" not in inspect.getsource(store)  # no second column list


def test_report_partitions_use_the_reporting_time_zone_in_force(tmp_path, monkeypatch):
    from dagster_project.orchestration import partitions
    config = tmp_path / "rw.yml"
    config.write_text("rw_reporting_tz: Asia/Urumqi\n", encoding="utf-8")
    monkeypatch.setenv("RW_CONFIG", str(config))
    try:
        assert importlib.reload(partitions).monthly_partitions.timezone == "Asia/Urumqi"
    finally:
        monkeypatch.delenv("RW_CONFIG")
        importlib.reload(partitions)
    assert partitions.REPORTING_TIMEZONE == "Asia/Shanghai"


def test_generator_local_time_is_the_contracts_zone():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from dagster_project.generate import calendar

    zone = ZoneInfo(load_contract().default_timezone)
    assert zone.utcoffset(datetime(2026, 4, 1)) == calendar.UTC_OFFSET
    assert "timedelta(hours=8)" not in inspect.getsource(calendar)
