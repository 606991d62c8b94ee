"""The Dagster project loads, and has every asset, check, job, schedule and sensor a user expects."""

import dagster as dg

from dagster_project.contract import SOURCES


def test_definitions_load_and_validate():
    from dagster_project.definitions import defs

    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for source in SOURCES:
        assert f"raw/{source}" in keys
    for mart in ("fct_order_lines", "fct_complaints", "fct_refunds", "dim_merchants", "rpt_kpi_monthly",
                 "dq_quarantine", "dq_file_reconciliation"):
        assert f"marts/{mart}" in keys, mart
    assert "published/warehouse" in keys


def test_publication_waits_for_every_mart():
    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    upstream = {k.to_user_string() for k in graph.get(dg.AssetKey(["published", "warehouse"])).parent_keys}
    assert "marts/rpt_kpi_monthly" in upstream
    assert "marts/dq_file_reconciliation" in upstream


def test_gx_and_reconciliation_checks_are_blocking_asset_checks():
    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    checks = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    for source in SOURCES:
        assert (f"raw/{source}", "gx_contract_suite") in checks
        assert (f"raw/{source}", "rows_reconciled") in checks
    specs = {(s.asset_key.to_user_string(), s.name): s for s in defs.get_assets_def(
        dg.AssetKey(["raw", "orders"])).check_specs}
    assert specs[("raw/orders", "gx_contract_suite")].blocking
    # dbt data tests surface as asset checks too
    assert any(name.startswith(("not_null", "unique")) for _, name in checks)


def test_jobs_schedules_sensors():
    from dagster_project.definitions import defs

    assert defs.resolve_job_def("warehouse_job") is not None
    schedule = defs.resolve_schedule_def("warehouse_daily")
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert defs.resolve_sensor_def("new_delivery_sensor") is not None
    assert defs.resolve_sensor_def("warehouse_failure_sensor") is not None
