"""Row rules of the landing contract: each hard rule quarantines (file, line, rule, raw values),
each soft rule flags, values are typed as the contract says."""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal

import duckdb
import pytest
from ingest_fixtures import (
    DELIVERY,
    VALID_USCC,
    csv_bytes,
    jsonl_bytes,
    make_landing,
    valid_complaint,
    valid_merchant,
    valid_order,
    valid_refund,
)

from dagster_project.contract import load_contract
from dagster_project.ingest import rules
from dagster_project.ingest.uscc import CHARSET, check_character, is_valid_uscc, uscc_valid_sql


@pytest.fixture
def land(tmp_path):
    landing = make_landing(tmp_path)
    yield landing
    landing.con.close()


def _single_bad(land, source, rows, bad_index, name=None):
    """Write rows (valid except rows[bad_index]) as CSV, ingest, return the one quarantine record."""
    name = name or f"{source}.csv"
    land.write_csv(source, name, rows)
    result = land.ingest(source)
    (file_result,) = result.files
    assert file_result.rows_read == len(rows)
    assert file_result.rows_quarantined == 1
    assert file_result.rows_loaded == len(rows) - 1
    (q,) = land.quarantine()
    assert q["source"] == source and q["file_name"] == name
    assert q["delivery_date"] == dt.date.fromisoformat(DELIVERY)
    assert q["line"] == bad_index + 2  # header is line 1
    return q


@pytest.mark.parametrize(
    ("column", "value"),
    [("consumer_id", ""), ("order_id", ""), ("ordered_at", "   "), ("channel", "")],
)
def test_required_missing_is_quarantined_with_line_and_raw_values(land, column, value):
    rows = [valid_order(order_id="O-1"), valid_order(**{"order_id": "O-2", column: value}), valid_order(order_id="O-3")]
    q = _single_bad(land, "orders", rows, 1)
    assert q["rule"] == "required_missing"
    assert q["column_name"] == column
    assert "orders.csv line 3" in q["message"] and "required_missing" in q["message"]
    raw = json.loads(q["raw_values"])
    assert raw["sku_id"] == "SKU-1" and raw["quantity"] == "2"
    assert "consumer_id" not in raw and "consumer_key" in raw  # stored under its pseudonym name
    loaded = {r[0] for r in land.rows("SELECT order_id FROM raw.orders")}
    assert loaded == {"O-1", "O-3"}


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("quantity", "abc"),
        ("quantity", "1.5"),  # DuckDB would round this to 2: the contract says integer
        ("line_no", "1e3"),
        ("unit_price", "12,50"),
        ("unit_price", "1e3"),
        ("ordered_at", "2026/10/01 08:00:00"),
        ("ordered_at", "2026-02-30T08:00:00"),
        ("paid_at", "yesterday"),
        ("nrr_exempt", "maybe"),
    ],
)
def test_type_invalid(land, column, value):
    rows = [valid_order(order_id="O-1"), valid_order(**{"order_id": "O-2", column: value})]
    q = _single_bad(land, "orders", rows, 1)
    assert (q["rule"], q["column_name"]) == ("type_invalid", column)
    assert f"'{value}'" in q["message"]
    assert json.loads(q["raw_values"])[column] == value  # as delivered, not "fixed"


def test_enum_invalid_is_case_sensitive_and_exact(land):
    rows = [valid_order(order_id="O-1"), valid_order(order_id="O-2", channel="App"), valid_order(order_id="O-3", channel="tv")]
    land.write_csv("orders", "orders.csv", rows)
    land.ingest("orders")
    got = [(q["line"], q["rule"], q["column_name"]) for q in land.quarantine()]
    assert got == [(3, "enum_invalid", "channel"), (4, "enum_invalid", "channel")]


@pytest.mark.parametrize(
    ("source", "row", "column"),
    [
        ("orders", valid_order(quantity="0"), "quantity"),  # min_exclusive 0
        ("orders", valid_order(unit_price="-0.01"), "unit_price"),  # min 0
        ("orders", valid_order(line_no="0"), "line_no"),  # min 1
        ("orders", valid_order(list_price="-1"), "list_price"),
        ("refunds", valid_refund(amount="0.00"), "amount"),  # min_exclusive 0
        ("complaints", valid_complaint(satisfaction="6"), "satisfaction"),  # max 5
        ("complaints", valid_complaint(satisfaction="0"), "satisfaction"),  # min 1
        ("complaints", valid_complaint(compensation_amount="-5"), "compensation_amount"),
    ],
)
def test_domain_violation(land, source, row, column):
    good = {"orders": valid_order, "refunds": valid_refund, "complaints": valid_complaint}[source]
    key = {"orders": "order_id", "refunds": "refund_id", "complaints": "complaint_id"}[source]
    rows = [good(**{key: "K-0"}), {**row, key: "K-1"}]
    q = _single_bad(land, source, rows, 1)
    assert (q["rule"], q["column_name"]) == ("domain_violation", column)


def test_domain_boundaries_that_are_allowed_load(land):
    rows = [
        valid_complaint(complaint_id="C-1", satisfaction="1", compensation_amount="0"),
        valid_complaint(complaint_id="C-2", satisfaction="5"),
    ]
    land.write_csv("complaints", "c.csv", rows)
    result = land.ingest("complaints")
    assert result.rows_loaded == 2 and result.rows_quarantined == 0


def test_license_check(land):
    bad_check = VALID_USCC[:-1] + ("4" if VALID_USCC[-1] != "4" else "5")
    rows = [
        valid_merchant(merchant_id="M-1"),
        valid_merchant(merchant_id="M-2", business_license_no=bad_check),
        valid_merchant(merchant_id="M-3", business_license_no="91350100M000100I43"),  # I not in charset
        valid_merchant(merchant_id="M-4", business_license_no=VALID_USCC.lower()),  # checked as delivered
        valid_merchant(merchant_id="M-5", business_license_no=VALID_USCC[:-1]),
    ]
    land.write_csv("merchants", "m.csv", rows)
    land.ingest("merchants")
    got = [(q["line"], q["rule"], q["column_name"]) for q in land.quarantine()]
    assert got == [(n, "license_check_failed", "business_license_no") for n in (3, 4, 5, 6)]
    assert land.rows("SELECT merchant_id, business_license_no FROM raw.merchants") == [("M-1", VALID_USCC)]


def test_uscc_python_and_sql_agree():
    assert is_valid_uscc(VALID_USCC)
    rng = random.Random(31)
    codes = []
    for _ in range(300):
        body = "".join(rng.choice(CHARSET) for _ in range(17))
        codes.append(body + check_character(body))
        codes.append(body + rng.choice(CHARSET))
    codes += ["", "91350100M000100Y4", "91350100M000100Y43X", "91350100M000100y43"]
    con = duckdb.connect()
    con.execute("CREATE TABLE c (code VARCHAR)")
    con.executemany("INSERT INTO c VALUES (?)", [[c] for c in codes])
    sql_result = dict(con.execute(f"SELECT code, {uscc_valid_sql('code')} FROM c").fetchall())
    assert {c: is_valid_uscc(c) for c in codes} == sql_result
    assert sum(sql_result.values()) >= 300  # the generated valid ones (and some lucky random ones)


def test_duplicate_key_first_copy_loads_each_extra_copy_quarantined(land):
    dup = valid_order(order_id="O-7")
    rows = [dup, valid_order(order_id="O-8"), dup, dup]
    land.write_csv("orders", "o.csv", rows)
    (fr,) = land.ingest("orders").files
    assert (fr.rows_read, fr.rows_loaded, fr.rows_quarantined) == (4, 2, 2)
    qs = land.quarantine()
    assert [(q["line"], q["rule"]) for q in qs] == [(4, "duplicate_key"), (5, "duplicate_key")]
    assert all("identical copy of line 2" in q["message"] for q in qs)
    assert json.loads(qs[0]["raw_values"])["unit_price"] == "19.90"  # delivered text, not the parsed value
    assert land.rows("SELECT _line FROM raw.orders WHERE order_id = 'O-7'") == [(2,)]


def test_conflicting_key_quarantines_every_copy(land):
    rows = [valid_order(order_id="O-7", quantity="1"), valid_order(order_id="O-8"), valid_order(order_id="O-7", quantity="3")]
    land.write_csv("orders", "o.csv", rows)
    (fr,) = land.ingest("orders").files
    assert (fr.rows_loaded, fr.rows_quarantined) == (1, 2)
    qs = land.quarantine()
    assert [(q["line"], q["rule"], q["column_name"]) for q in qs] == [
        (2, "conflicting_key", "order_id,line_no"),
        (4, "conflicting_key", "order_id,line_no"),
    ]
    assert "lines 2, 4" in qs[0]["message"]
    assert [json.loads(q["raw_values"])["quantity"] for q in qs] == ["1", "3"]


def test_same_key_with_another_version_is_history_not_a_duplicate(land):
    rows = [valid_order(updated_at="2026-10-01T08:05:00"), valid_order(updated_at="2026-10-02T09:00:00", order_status="shipped")]
    land.write_csv("orders", "o.csv", rows)
    assert land.ingest("orders").rows_loaded == 2


def test_same_instant_written_differently_is_the_same_version(land):
    rows = [valid_order(updated_at="2026-10-01T08:05:00"), valid_order(updated_at="2026-10-01T00:05:00Z", quantity="9")]
    land.write_csv("orders", "o.csv", rows)
    land.ingest("orders")
    assert [q["rule"] for q in land.quarantine()] == ["conflicting_key", "conflicting_key"]


def test_row_breaking_several_rules_is_quarantined_once_under_the_first(land):
    rows = [valid_order(quantity="abc", channel="tv", sku_id="")]
    land.write_csv("orders", "o.csv", rows)
    land.ingest("orders")
    (q,) = land.quarantine()
    assert (q["rule"], q["column_name"]) == ("required_missing", "sku_id")  # required before type before enum
    assert "type_invalid quantity" in q["message"] and "enum_invalid channel" in q["message"]


def test_key_rules_ignore_rows_already_quarantined(land):
    rows = [valid_order(order_id="O-1"), valid_order(order_id="O-1", quantity="abc")]
    land.write_csv("orders", "o.csv", rows)
    land.ingest("orders")
    assert [(q["line"], q["rule"]) for q in land.quarantine()] == [(3, "type_invalid")]
    assert land.rows("SELECT count(*) FROM raw.orders") == [(1,)]


def test_soft_rules_flag_and_load(land):
    rows = [
        valid_order(order_id="O-1", paid_at="2026-10-01T07:00:00"),  # before ordered_at
        valid_order(order_id="O-2", paid_at="2026-10-01T09:00:00", shipped_at="2026-10-01T08:30:00",
                    delivered_at="2026-10-01T08:00:00"),
        valid_order(order_id="O-3", paid_at="", shipped_at="2026-10-01T07:00:00"),  # paid_at missing: no flag
        valid_order(order_id="O-4"),
    ]
    land.write_csv("orders", "o.csv", rows)
    result = land.ingest("orders")
    assert result.rows_loaded == 4 and result.rows_quarantined == 0
    flags = dict(land.rows("SELECT order_id, _dq_flags FROM raw.orders"))
    assert flags == {
        "O-1": "paid_at_before_ordered_at",
        "O-2": "shipped_at_before_paid_at,delivered_at_before_shipped_at",
        "O-3": None,
        "O-4": None,
    }


def test_soft_rules_of_complaints_and_refunds(land):
    land.write_csv("complaints", "c.csv", [valid_complaint(first_response_at="2026-10-02T09:00:00", resolved_at="2026-10-01T00:00:00")])
    land.write_csv("refunds", "r.csv", [valid_refund(decided_at="2026-10-03T09:59:59")])
    land.ingest("complaints")
    land.ingest("refunds")
    assert land.rows("SELECT _dq_flags FROM raw.complaints") == [("first_response_at_before_received_at,resolved_at_before_received_at",)]
    assert land.rows("SELECT _dq_flags FROM raw.refunds") == [("decided_at_before_requested_at",)]


@pytest.mark.parametrize(
    ("delivered", "utc"),
    [
        ("2026-10-01T08:00:00", dt.datetime(2026, 10, 1, 0, 0)),  # no offset = Asia/Shanghai
        ("2026-10-01 08:00:00", dt.datetime(2026, 10, 1, 0, 0)),
        ("2026-10-01T08:00:00+08:00", dt.datetime(2026, 10, 1, 0, 0)),
        ("2026-10-01T08:00:00Z", dt.datetime(2026, 10, 1, 8, 0)),
        ("2026-10-01T08:00:00-05:00", dt.datetime(2026, 10, 1, 13, 0)),
        ("2026-10-01T08:00+0800", dt.datetime(2026, 10, 1, 0, 0)),
        ("2026-10-01T08:00:00.250", dt.datetime(2026, 10, 1, 0, 0, 0, 250000)),
        ("1990-07-01T08:00:00", dt.datetime(1990, 6, 30, 23, 0)),  # Shanghai kept summer time then (UTC+9)
    ],
)
def test_timestamps_are_stored_as_utc(land, delivered, utc):
    land.write_csv("orders", "o.csv", [valid_order(ordered_at=delivered, paid_at="")])
    land.ingest("orders")
    assert land.rows("SELECT ordered_at FROM raw.orders") == [(utc,)]


def _timestamp_shapes() -> list[str]:
    """Delivered timestamps of many shapes, valid and not: the fast paths' shapes, their near misses,
    and random mutations of both."""
    fixed = [
        "2026-10-01T08:00:00Z", "2026-10-01 08:00:00Z", "2026-10-01 08:00:00.000000Z", "2026-10-01 08:00:00.250000Z",
        "1980-01-01 00:00:00Z", "1990-07-01T08:00:00", "0001-01-01 00:00:00Z", "9999-12-31 23:59:59.999999Z",
        "2026-02-30 00:00:00Z", "2026-10-01 24:00:00Z", "2026-10-01 23:59:60Z", "2026-10-01T25:00:00",
        "2026-10-01T08:00:00.12345Z", "2026-10-01T08:00:00.123456z", "2026-10-01T08:00:00.1234567Z",
        " 2026-10-01T08:00:00Z", "2026-10-01T08:00:00Z ", "2026-10-01 08:00:00,123456Z", "2026-10-01 08:00:00.12345xZ",
        "abcd-ef-gh ij:kl:mnZ", "2026-10-01 08:00:00", "2026-10-01T08:00:00+08:00", "2026-10-01T08:00+0800",
        "2026-10-01", "", "Z", "2026-10-01T08:00:00ZZ", "+2026-10-01T08:00:00Z", "2026-10-01X08:00:00Z",
    ]
    rng = random.Random(7)
    mutated = []
    for _ in range(3000):
        text = list(rng.choice(fixed[:12]))
        for _ in range(rng.randint(1, 2)):
            at = rng.randrange(len(text))
            text[at] = rng.choice("0123456789 -:.TZz+x")
        mutated.append("".join(text))
    return fixed + mutated


def test_timestamp_fast_paths_type_exactly_as_the_general_rules():
    """The shape tests in front of the regular expressions (rules._typed_expr) are a shortcut, not a
    second rule: every value, valid or not, gets the same typed value (or NULL) either way."""
    column = next(c for c in load_contract()["orders"].columns if c.name == "updated_at")
    fast = rules._typed_expr(column, "Asia/Shanghai").replace(rules.missing_name(column), "false")
    general = rules.general_timestamp_sql(rules.q(column.name), "Asia/Shanghai")
    con = duckdb.connect()
    con.execute("CREATE TABLE t (updated_at VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?)", [[v] for v in _timestamp_shapes()])
    differing = con.execute(
        f"SELECT updated_at, {fast}, {general} FROM t WHERE ({fast}) IS DISTINCT FROM ({general})"
    ).fetchall()
    assert differing == []
    plain, zulu = con.execute(
        f"SELECT count({fast}) FILTER (WHERE {rules._plain_shape(rules.q(column.name))}), "
        f"count({fast}) FILTER (WHERE {rules._zulu_shape(rules.q(column.name))}) FROM t"
    ).fetchone()
    assert plain > 30 and zulu > 300  # both shortcuts are really taken, on values that type


def test_types_of_loaded_values(land):
    rows = [
        valid_order(order_id="O-1", nrr_exempt="YES", unit_price="19.9", list_price="", quantity=" 3 "),
        valid_order(order_id="O-2", nrr_exempt="0", line_no="2.0"),
        valid_order(order_id="O-3", nrr_exempt="", currency=""),
    ]
    land.write_csv("orders", "o.csv", rows)
    land.ingest("orders")
    got = land.rows("SELECT order_id, line_no, quantity, unit_price, list_price, nrr_exempt, currency FROM raw.orders ORDER BY order_id")
    assert got == [
        ("O-1", 1, 3, Decimal("19.90"), None, True, "CNY"),
        ("O-2", 2, 2, Decimal("19.90"), Decimal("29.90"), False, "CNY"),
        ("O-3", 1, 2, Decimal("19.90"), Decimal("29.90"), None, None),  # empty = NULL, no default applied
    ]


def test_malformed_json_line_is_one_bad_row(land):
    lines = [
        valid_order(order_id="O-1"),
        '{"order_id": "O-2", "consumer_id": "CONSUMER-SECRET-0002", "quantity": ',  # cut off
        valid_order(order_id="O-3"),
        "[1, 2, 3]",
        "",  # blank line: not a record
        valid_order(order_id="O-5", quantity=5),
    ]
    land.write("orders", "o.jsonl", jsonl_bytes(lines))
    (fr,) = land.ingest("orders").files
    assert (fr.rows_read, fr.rows_loaded, fr.rows_quarantined) == (5, 3, 2)
    qs = land.quarantine()
    assert [(q["line"], q["rule"]) for q in qs] == [(2, "malformed_record"), (4, "malformed_record")]
    assert "CONSUMER-SECRET-0002" not in qs[0]["raw_values"] + qs[0]["message"]
    assert json.loads(qs[0]["raw_values"])["_unparsed_hmac"]  # traceable without the clear text
    assert land.rows("SELECT order_id, quantity, _line FROM raw.orders ORDER BY _line") == [("O-1", 2, 1), ("O-3", 2, 3), ("O-5", 5, 6)]


def test_jsonl_nested_value_is_type_invalid(land):
    land.write("orders", "o.jsonl", jsonl_bytes([valid_order(sku_id={"id": 1})]))
    land.ingest("orders")
    (q,) = land.quarantine()
    assert (q["rule"], q["column_name"], q["line"]) == ("type_invalid", "sku_id", 1)


def test_csv_line_numbers_with_embedded_newlines(land):
    rows = [
        valid_order(order_id="O-1", ship_to_region="浙江\n杭州"),
        valid_order(order_id="O-2", quantity="x"),
        valid_order(order_id="O-3", ship_to_region="a\r\nb\r\nc"),
        valid_order(order_id="O-4", quantity="y"),
    ]
    land.write_csv("orders", "o.csv", rows)
    land.ingest("orders")
    assert [q["line"] for q in land.quarantine()] == [4, 8]
    assert land.rows("SELECT order_id, _line, ship_to_region FROM raw.orders ORDER BY _line") == [
        ("O-1", 2, "浙江\n杭州"),
        ("O-3", 5, "a\r\nb\r\nc"),
    ]


def test_csv_record_with_wrong_field_count_is_malformed_and_later_lines_stay_right(land):
    data = csv_bytes([valid_order(order_id="O-1", ship_to_region="x\ny")]) + b"O-2,1,M-1\r\n\r\n"
    data += csv_bytes([valid_order(order_id="O-3", quantity="bad")]).split(b"\r\n", 1)[1]
    land.write("orders", "o.csv", data)
    (fr,) = land.ingest("orders").files
    assert (fr.rows_read, fr.rows_loaded, fr.rows_quarantined) == (3, 1, 2)
    assert [(q["line"], q["rule"]) for q in land.quarantine()] == [(4, "malformed_record"), (6, "type_invalid")]
    assert land.rows("SELECT _line FROM raw.orders") == [(2,)]


def test_rfc4180_quoting_round_trips_exactly(land):
    tricky = ['He said "no", twice', "=HYPERLINK(\"http://x\")", "  leading and trailing  ", "a,b,c"]
    rows = [valid_complaint(complaint_id=f"C-{i}", description=text) for i, text in enumerate(tricky)]
    land.write_csv("complaints", "c.csv", rows)
    land.ingest("complaints")
    assert [r[0] for r in land.rows("SELECT description FROM raw.complaints ORDER BY _line")] == tricky


def test_dates_are_iso_dates(land):
    rows = [
        valid_merchant(merchant_id="M-1", license_expires_on="2030-12-31"),
        valid_merchant(merchant_id="M-2", license_expires_on=""),  # long-term licence
        valid_merchant(merchant_id="M-3", license_expires_on="2030-12-31T00:00:00"),
        valid_merchant(merchant_id="M-4", license_expires_on="2030-2-3"),
    ]
    land.write_csv("merchants", "m.csv", rows)
    land.ingest("merchants")
    assert land.rows("SELECT merchant_id, license_expires_on FROM raw.merchants ORDER BY 1") == [
        ("M-1", dt.date(2030, 12, 31)),
        ("M-2", None),
    ]
    assert [(q["line"], q["rule"], q["column_name"]) for q in land.quarantine()] == [
        (4, "type_invalid", "license_expires_on"),
        (5, "type_invalid", "license_expires_on"),
    ]
