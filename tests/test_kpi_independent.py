"""An independent check of published KPI figures, straight from the landing files.

A plain pandas computation — its own file readers, the contract's hard rules applied minimally by
dropping the rows the generator planted as bad (``_truth/bad_rows.csv``), the latest version of each
record as of the cut-off, local months in Asia/Shanghai — of five KPIs, for the platform in two months
and for one merchant, must equal what ``marts.rpt_kpi_monthly`` publishes. Nothing here shares code with
ingestion or dbt, so an error in either shows up as a mismatch.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

LOCAL = ZoneInfo("Asia/Shanghai")
KEYS = {"complaints": ["complaint_id"], "refunds": ["refund_id"], "orders": ["order_id", "line_no"]}
TIMESTAMPS = {
    "complaints": ["received_at", "first_response_at", "resolved_at", "updated_at"],
    "refunds": ["requested_at", "return_received_at", "refunded_at", "updated_at"],
    "orders": ["ordered_at", "promised_ship_by", "shipped_at", "updated_at"],
}
MONTHS = ("2026-09-01", "2026-10-01")


def _ts(value) -> pd.Timestamp | None:
    """A landing timestamp as naive UTC: an offset is honoured, no offset means Asia/Shanghai."""
    if value is None or value == "" or (not isinstance(value, str) and pd.isna(value)):
        return None
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).strip())
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=LOCAL)
    return pd.Timestamp(dt.astimezone(ZoneInfo("UTC")).replace(tzinfo=None))


def _read_text(path: Path) -> str:
    raw = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def _read_file(path: Path) -> list[tuple[int, dict]]:
    """(line, record) pairs, the line numbered as the contract says (CSV physical start line, JSONL
    line, Parquet row + 1)."""
    name = path.name
    if ".csv" in name:
        reader = csv.reader(io.StringIO(_read_text(path), newline=""))
        header = next(reader)
        out, last = [], reader.line_num
        for cells in reader:
            start, last = last + 1, reader.line_num
            out.append((start, {h: (c if c != "" else None) for h, c in zip(header, cells, strict=False)}))
        return out
    if ".jsonl" in name:
        out = []
        for i, line in enumerate(_read_text(path).split("\n"), start=1):
            if not line.strip():
                continue
            try:
                out.append((i, json.loads(line)))
            except json.JSONDecodeError:
                continue
        return out
    if name.endswith(".parquet"):
        return list(enumerate(pq.read_table(path).to_pylist(), start=1))
    raise AssertionError(f"unexpected landing file {path}")


def _latest(landing: Path, source: str, bad: set, cutoff: pd.Timestamp) -> pd.DataFrame:
    rows = []
    for day_dir in sorted((landing / source).iterdir()):
        for path in sorted(day_dir.iterdir()):
            for line, rec in _read_file(path):
                if (source, day_dir.name, path.name, line) in bad:
                    continue
                rows.append({**rec, "_delivery": day_dir.name})
    df = pd.DataFrame(rows)
    for col in TIMESTAMPS[source]:
        df[col] = df[col].map(_ts)
    if "line_no" in df:
        df["line_no"] = df["line_no"].astype(int)
    known = df[df["updated_at"] <= cutoff]
    return known.sort_values(["updated_at", "_delivery"]).groupby(KEYS[source], as_index=False).last()


def _month(ts: pd.Series) -> pd.Series:
    local = ts.dt.tz_localize("UTC").dt.tz_convert(LOCAL).dt.tz_localize(None)
    return local.dt.to_period("M").dt.start_time.dt.strftime("%Y-%m-%d")


def _figures(num: int, den: int, pending: int = 0, factor: int = 1) -> dict:
    return {
        "numerator": float(num * factor),
        "denominator": den,
        "value": (num * factor / den) if den else None,
        "pending_count": pending,
    }


def independent_kpis(landing: Path) -> dict[tuple[str, str | None, str], dict]:
    summary = json.loads((landing / "_truth" / "summary.json").read_text())
    cutoff_local = datetime.fromisoformat(summary["cutoff_local"]) + timedelta(microseconds=999999)
    cutoff = _ts(cutoff_local)
    bad = set()
    with (landing / "_truth" / "bad_rows.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            bad.add((r["source"], r["delivery_date"], r["file_name"], int(r["line"])))

    complaints = _latest(landing, "complaints", bad, cutoff)
    complaints = complaints[complaints["received_at"] <= cutoff].copy()
    refunds = _latest(landing, "refunds", bad, cutoff)
    refunds = refunds[refunds["requested_at"] <= cutoff].copy()
    lines = _latest(landing, "orders", bad, cutoff)
    lines = lines[lines["ordered_at"] <= cutoff].copy()

    complaints["month"] = _month(complaints["received_at"])
    fr = complaints["first_response_at"].where(complaints["first_response_at"] <= cutoff)
    complaints["fr_hit"] = fr.notna() & ((fr - complaints["received_at"]) <= pd.Timedelta(hours=24))
    complaints["fr_pending"] = fr.isna() & ((cutoff - complaints["received_at"]) <= pd.Timedelta(hours=24))
    complaints["resolved"] = complaints["status"].isin(["resolved", "rejected"])

    lines["order_month"] = _month(lines["ordered_at"])
    orders_platform = lines.groupby("order_id")["order_month"].min()
    orders_merchant = lines.groupby(["order_id", "merchant_id"])["order_month"].min().reset_index()

    rr = refunds["return_received_at"].where(refunds["return_received_at"] <= cutoff)
    refunds = refunds[rr.notna()].copy()
    refunds["month"] = _month(refunds["return_received_at"])
    paid = refunds["refunded_at"].where(refunds["refunded_at"] <= cutoff)
    refunds["hit"] = paid.notna() & ((paid - refunds["return_received_at"]) <= pd.Timedelta(days=7))
    refunds["pending"] = paid.isna() & ((cutoff - refunds["return_received_at"]) <= pd.Timedelta(days=7))

    ship = lines[lines["promised_ship_by"].notna() & (lines["order_status"] != "cancelled")].copy()
    ship["month"] = _month(ship["promised_ship_by"])
    shipped = ship["shipped_at"].where(ship["shipped_at"] <= cutoff)
    ship["late"] = (shipped.notna() & (shipped > ship["promised_ship_by"])) | (
        shipped.isna() & (ship["promised_ship_by"] < cutoff)
    )
    ship["pending"] = shipped.isna() & (ship["promised_ship_by"] >= cutoff)

    # the merchant with the most complaints in the first month (ties: smallest id)
    counts = complaints[complaints["month"] == MONTHS[0]].groupby("merchant_id").size()
    merchant = sorted(counts[counts == counts.max()].index)[0]

    out = {}
    for month in MONTHS:
        for m in (None, merchant):
            c = complaints[(complaints["month"] == month) & ((complaints["merchant_id"] == m) if m else True)]
            r = refunds[(refunds["month"] == month) & ((refunds["merchant_id"] == m) if m else True)]
            s = ship[(ship["month"] == month) & ((ship["merchant_id"] == m) if m else True)]
            if m is None:
                orders = int((orders_platform == month).sum())
            else:
                orders = int(
                    ((orders_merchant["order_month"] == month) & (orders_merchant["merchant_id"] == m)).sum()
                )
            out[(month, m, "complaint_first_response_24h_rate")] = _figures(
                int(c["fr_hit"].sum()), int((~c["fr_pending"]).sum()), int(c["fr_pending"].sum())
            )
            out[(month, m, "complaint_resolved_rate")] = _figures(int(c["resolved"].sum()), len(c))
            out[(month, m, "complaints_per_1000_orders")] = _figures(len(c), orders, factor=1000)
            out[(month, m, "refund_within_7d_rate")] = _figures(
                int(r["hit"].sum()), int((~r["pending"]).sum()), int(r["pending"].sum())
            )
            out[(month, m, "late_shipment_rate")] = _figures(
                int(s["late"].sum()), int((~s["pending"]).sum()), int(s["pending"].sum())
            )
    return out


def test_published_kpis_equal_an_independent_pandas_computation(sample_build):
    expected = independent_kpis(sample_build.landing)
    con = duckdb.connect(str(sample_build.warehouse), read_only=True)
    try:
        cur = con.execute(
            "select cast(month as varchar), merchant_id, kpi_code, numerator, denominator, value, pending_count "
            "from marts.rpt_kpi_monthly"
        )
        published = {
            (r[0], r[1], r[2]): dict(
                zip(("numerator", "denominator", "value", "pending_count"), r[3:], strict=True)
            )
            for r in cur.fetchall()
        }
    finally:
        con.close()
    # the sample is big enough for the comparison to mean something
    assert expected[(MONTHS[0], None, "complaint_first_response_24h_rate")]["denominator"] >= 20
    assert expected[(MONTHS[0], None, "late_shipment_rate")]["denominator"] >= 100
    for key, want in expected.items():
        got = published.get(key)
        assert got is not None, f"{key} not published"
        assert got["numerator"] == pytest.approx(want["numerator"]), key
        assert got["denominator"] == want["denominator"], key
        assert got["pending_count"] == want["pending_count"], key
        if want["value"] is None:
            assert got["value"] is None, key
        else:
            assert got["value"] == pytest.approx(want["value"], rel=1e-12), key


# What the dictionary says about each planted KPI edge case of the generator (_truth/kpi_edges.csv):
# the query over the work database's KPI flag views must return exactly this row.
EDGE_EXPECTATIONS = {
    "complaint_first_response_exactly_24h": (
        "select fr_hit, fr_pending from intermediate.int_kpi__complaint_flags where complaint_id = ?",
        (True, False),
    ),
    "complaint_pending_overdue_at_cutoff": (
        "select fr_hit, fr_pending from intermediate.int_kpi__complaint_flags where complaint_id = ?",
        (False, False),
    ),
    "complaint_pending_within_deadline_at_cutoff": (
        "select fr_hit, fr_pending from intermediate.int_kpi__complaint_flags where complaint_id = ?",
        (False, True),
    ),
    "nrr_request_day7_after_delivery": (
        "select nrr_eligible from intermediate.int_kpi__refund_flags where refund_id = ?",
        (True,),
    ),
    "nrr_request_day8_after_delivery": (
        "select nrr_eligible from intermediate.int_kpi__refund_flags where refund_id = ?",
        (False,),
    ),
    "refund_paid_7_days_after_return": (
        "select within_hit, over_penalty from intermediate.int_kpi__refund_flags where refund_id = ?",
        (True, False),
    ),
    "refund_paid_8_days_after_return": (
        "select within_hit, within_pending from intermediate.int_kpi__refund_flags where refund_id = ?",
        (False, False),
    ),
    "fake_price_unverifiable_no_prior_line": (
        "select verdict from marts.fct_price_checks where order_id || ':' || line_no = ?",
        ("unverifiable",),
    ),
}


def test_generator_kpi_edges_are_classified_as_the_dictionary_says(sample_build):
    with (sample_build.landing / "_truth" / "kpi_edges.csv").open(encoding="utf-8") as fh:
        edges = list(csv.DictReader(fh))
    checked = 0
    con = duckdb.connect(str(sample_build.work_db), read_only=True)
    try:
        for edge in edges:
            if edge["case"] not in EDGE_EXPECTATIONS:
                continue
            if edge["case"] == "nrr_exempt_line" or (edge["source"] == "orders") != (
                "fake_price" in edge["case"]
            ):
                continue
            sql, want = EDGE_EXPECTATIONS[edge["case"]]
            assert con.execute(sql, [edge["record_id"]]).fetchall() == [want], edge
            checked += 1
        exempt = [
            e["record_id"] for e in edges if e["case"] == "nrr_exempt_line" and e["source"] == "refunds"
        ]
        for refund_id in exempt:
            sql = "select nrr_eligible from intermediate.int_kpi__refund_flags where refund_id = ?"
            assert con.execute(sql, [refund_id]).fetchall() == [(False,)], refund_id
            checked += 1
    finally:
        con.close()
    assert checked >= 6
