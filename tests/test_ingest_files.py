"""File-level behaviour: formats, encodings, rejection, the registry (re-delivery, corrections),
reconciliation, ordering, atomicity and the landing scan."""

from __future__ import annotations

import datetime as dt
import json
import re

import pyarrow as pa
import pytest
from ingest_fixtures import (
    DELIVERY,
    csv_bytes,
    jsonl_bytes,
    make_landing,
    valid_merchant,
    valid_order,
)

from dagster_project.ingest import ReconciliationError, scan_landing
from dagster_project.ingest import rules as ingest_rules

DAY = dt.date.fromisoformat(DELIVERY)


@pytest.fixture
def land(tmp_path):
    landing = make_landing(tmp_path)
    yield landing
    landing.con.close()


def _counts(land):
    return (
        land.rows("SELECT count(*) FROM raw.orders")[0][0],
        land.rows("SELECT count(*) FROM meta.quarantine")[0][0],
        land.rows("SELECT count(*) FROM meta.file_registry")[0][0],
    )


def assert_reconciled(land):
    """Registry counts add up, and match what is actually in raw.* and meta.quarantine per file."""
    for source in ("merchants", "orders", "complaints", "refunds"):
        for name, day, read, loaded, quarantined in land.rows(
            "SELECT file_name, delivery_date, rows_read, rows_loaded, rows_quarantined FROM meta.file_registry "
            "WHERE source = ? AND status = 'loaded'",
            [source],
        ):
            assert read == loaded + quarantined, name
            in_raw = land.rows(f"SELECT count(*) FROM raw.{source} WHERE _file_name = ? AND _delivery_date = ?", [name, day])[0][0]
            in_q = land.rows(
                "SELECT count(*) FROM meta.quarantine WHERE source = ? AND file_name = ? AND delivery_date = ?", [source, name, day]
            )[0][0]
            assert (in_raw, in_q) == (loaded, quarantined), name


def test_missing_required_column_rejects_the_file_but_not_the_delivery(land):
    good = [valid_order(order_id="O-1"), valid_order(order_id="O-2")]
    header = [c for c in good[0] if c != "consumer_id"]
    land.write_csv("orders", "a_good.csv", good)
    land.write_csv("orders", "b_bad.csv", good, header=header)
    land.write("orders", "c_good.jsonl", jsonl_bytes([valid_order(order_id="O-3")]))
    result = land.ingest("orders")
    assert [(f.file_name, f.status) for f in result.files] == [("a_good.csv", "loaded"), ("b_bad.csv", "rejected"), ("c_good.jsonl", "loaded")]
    assert result.files_rejected == 1 and result.rows_loaded == 3
    bad = result.files[1]
    assert bad.rows_read == 0
    assert "b_bad.csv" in bad.message and "missing_required_column" in bad.message and "consumer_id" in bad.message
    reg = {r["file_name"]: r for r in land.registry()}
    assert reg["b_bad.csv"]["status"] == "rejected" and reg["b_bad.csv"]["rows_read"] == 0
    assert reg["b_bad.csv"]["message"] == bad.message
    assert land.rows("SELECT count(*) FROM raw.orders WHERE _file_name = 'b_bad.csv'") == [(0,)]


def test_jsonl_without_a_required_key_in_any_record_is_rejected(land):
    rows = [{k: v for k, v in valid_order(order_id=f"O-{i}").items() if k != "sku_id"} for i in range(3)]
    land.write("orders", "o.jsonl", jsonl_bytes(rows))
    (fr,) = land.ingest("orders").files
    assert fr.status == "rejected" and "sku_id" in fr.message and "missing_required_column" in fr.message


def test_optional_column_absent_from_header_is_fine(land):
    rows = [{k: v for k, v in valid_order().items() if k not in ("consumer_phone", "list_price")}]
    land.write_csv("orders", "o.csv", rows)
    assert land.ingest("orders").rows_loaded == 1
    assert land.rows("SELECT consumer_phone_key, list_price FROM raw.orders") == [(None, None)]


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("o.parquet", b"order_id,line_no\nO-1,1\n", "Parquet"),
        ("o.csv.gz", b"order_id,line_no\nO-1,1\n", "gzip"),
        ("o.jsonl.gz", b"\x1f\x8b\x08\x00garbage", "gzip"),
        ("o.csv", b"", "empty file"),
    ],
)
def test_unreadable_file_is_rejected_and_the_rest_loads(land, name, data, reason):
    land.write("orders", name, data)
    land.write_csv("orders", "z_good.csv", [valid_order()])
    result = land.ingest("orders")
    statuses = {f.file_name: f for f in result.files}
    assert statuses["z_good.csv"].status == "loaded"
    bad = statuses[name]
    assert bad.status == "rejected" and bad.rows_read == 0
    assert bad.message.startswith(f"{name}: unreadable_file") and reason in bad.message
    reg = {r["file_name"]: r for r in land.registry()}
    assert reg[name]["file_format"] == name.split(".")[1]


def test_header_only_csv_loads_nothing_and_reconciles(land):
    land.write("orders", "o.csv", csv_bytes([valid_order()]).split(b"\r\n")[0] + b"\r\n")
    (fr,) = land.ingest("orders").files
    assert (fr.status, fr.rows_read, fr.rows_loaded, fr.rows_quarantined) == ("loaded", 0, 0, 0)


def test_undecodable_encoding_is_rejected_not_guessed(land):
    data = csv_bytes([valid_order()]) + b"O-2,\xff\xfe\xff,broken\r\n"  # 0xFF is neither UTF-8 nor GB18030
    land.write("orders", "o.csv", data)
    (fr,) = land.ingest("orders").files
    assert fr.status == "rejected" and "undecodable_encoding" in fr.message
    assert land.registry()[0]["status"] == "rejected"


def test_jsonl_must_be_utf8(land):
    land.write("orders", "o.jsonl", jsonl_bytes([valid_order()]).replace("浙江省".encode(), "浙江省".encode("gb18030")))
    (fr,) = land.ingest("orders").files
    assert fr.status == "rejected" and "undecodable_encoding" in fr.message


@pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
def test_gb18030_csv_with_chinese_text_round_trips(land, encoding):
    name = "杭州𠮷祥电子商务有限公司（旗舰店）"  # 𠮷 is outside GBK's range
    if encoding == "gbk":
        name = "杭州吉祥电子商务有限公司（旗舰店）"
    rows = [valid_merchant(merchant_name=name, region="浙江省", category="数码·家电")]
    land.write_csv("merchants", "m.csv", rows, encoding=encoding)
    (fr,) = land.ingest("merchants").files
    assert fr.status == "loaded", fr.message
    assert land.rows("SELECT merchant_name, region, category FROM raw.merchants") == [(name, "浙江省", "数码·家电")]
    assert land.registry()[0]["encoding"] == "gb18030"


def test_utf8_bom_does_not_pollute_the_first_column_name(land):
    land.write("orders", "o.csv", b"\xef\xbb\xbf" + csv_bytes([valid_order(ship_to_region="广东省")]))
    (fr,) = land.ingest("orders").files
    assert fr.status == "loaded", fr.message
    assert land.rows("SELECT order_id, ship_to_region, _extra_columns FROM raw.orders") == [("O-1", "广东省", None)]
    assert land.registry()[0]["encoding"] == "utf-8-sig"


def test_gzip_csv_and_jsonl(land):
    land.write("orders", "a.csv.gz", csv_bytes([valid_order(order_id="O-1")]), gz=True)
    land.write("orders", "b.jsonl.gz", jsonl_bytes([valid_order(order_id="O-2")]), gz=True)
    result = land.ingest("orders")
    assert [(f.file_name, f.status, f.rows_loaded) for f in result.files] == [("a.csv.gz", "loaded", 1), ("b.jsonl.gz", "loaded", 1)]
    assert {r["file_format"] for r in land.registry()} == {"csv", "jsonl"}


def test_parquet_with_native_types(land):
    table = pa.table(
        {
            **{k: pa.array([v, v]) for k, v in valid_order().items()},
            "order_id": pa.array(["O-1", "O-2"]),
            "line_no": pa.array([1, 2], pa.int64()),
            "quantity": pa.array([2.0, 0.0]),  # a float column; 0 breaks quantity > 0
            "unit_price": pa.array([19.9, 5.0]),
            "ordered_at": pa.array([dt.datetime(2026, 10, 1, 8, 0)] * 2, pa.timestamp("us")),  # naive = Shanghai
            "updated_at": pa.array([dt.datetime(2026, 10, 1, 0, 5)] * 2, pa.timestamp("us", tz="UTC")),
            "paid_at": pa.array([None, None], pa.string()),
            "nrr_exempt": pa.array([True, None]),
        }
    )
    land.write_parquet("orders", "o.parquet", table)
    (fr,) = land.ingest("orders").files
    assert (fr.status, fr.rows_read, fr.rows_loaded, fr.rows_quarantined) == ("loaded", 2, 1, 1)
    assert land.rows("SELECT order_id, line_no, quantity, ordered_at, updated_at, nrr_exempt, _line FROM raw.orders") == [
        ("O-1", 1, 2, dt.datetime(2026, 10, 1, 0, 0), dt.datetime(2026, 10, 1, 0, 5), True, 1)
    ]
    (q,) = land.quarantine()
    assert (q["line"], q["rule"], q["column_name"]) == (2, "domain_violation", "quantity")  # row index + 1


def test_parquet_zoned_timestamps_keep_their_instant_and_text(land):
    """A zoned Parquet timestamp in any zone is the same instant in UTC, and its delivered text
    (quarantine raw values) is the UTC time with a 'Z', as formatted through the time-zone database."""
    shanghai = dt.timezone(dt.timedelta(hours=8))
    zoned = pa.array([dt.datetime(2026, 10, 1, 8, 0, 0, 250000, tzinfo=shanghai), None],
                     pa.timestamp("us", tz="Asia/Shanghai"))
    table = pa.table(
        {
            **{k: pa.array([v, v]) for k, v in valid_order().items()},
            "order_id": pa.array(["O-1", "O-2"]),
            "updated_at": zoned,  # the second is missing: required_missing, raw values kept
        }
    )
    land.write_parquet("orders", "o.parquet", table)
    (fr,) = land.ingest("orders").files
    assert (fr.rows_loaded, fr.rows_quarantined) == (1, 1)
    assert land.rows("SELECT updated_at FROM raw.orders") == [(dt.datetime(2026, 10, 1, 0, 0, 0, 250000),)]
    assert zoned.cast(pa.timestamp("us", "UTC")).cast(pa.string())[0].as_py() == "2026-10-01 00:00:00.250000Z"
    (q,) = land.quarantine()
    assert q["rule"] == "required_missing" and json.loads(q["raw_values"])["updated_at"] is None


def test_extra_columns_are_kept_and_listed(land):
    rows = [valid_order(order_id="O-1") | {"coupon_code": "DOUBLE11", "备注": "加急"}]
    land.write_csv("orders", "o.csv", rows)
    land.ingest("orders")
    (extra,) = land.rows("SELECT _extra_columns FROM raw.orders")[0]
    assert json.loads(extra) == {"coupon_code": "DOUBLE11", "备注": "加急"}
    assert json.loads(land.registry()[0]["extra_columns"]) == ["coupon_code", "备注"]


def test_same_bytes_again_is_a_no_op(land):
    land.write_csv("orders", "o.csv", [valid_order(order_id="O-1"), valid_order(order_id="O-2", quantity="x")])
    first = land.ingest("orders")
    before = (_counts(land), land.registry())
    second = land.ingest("orders")
    assert first.files[0].status == "loaded"
    assert second.files == [] and second.skipped_unchanged == 1
    assert (_counts(land), land.registry()) == before
    assert _counts(land) == (1, 1, 1)


def test_corrected_file_replaces_the_old_version(land):
    land.write_csv("orders", "o.csv", [valid_order(order_id="O-1"), valid_order(order_id="O-2", quantity="x")])
    land.ingest("orders")
    land.write_csv("orders", "o.csv", [valid_order(order_id="O-1"), valid_order(order_id="O-2", quantity="3"), valid_order(order_id="O-3")])
    (fr,) = land.ingest("orders").files
    assert (fr.status, fr.rows_loaded, fr.rows_quarantined) == ("loaded", 3, 0)
    assert land.rows("SELECT order_id, quantity FROM raw.orders ORDER BY order_id") == [("O-1", 2), ("O-2", 3), ("O-3", 2)]
    assert land.quarantine() == []  # the old version's quarantine rows are gone
    statuses = [r["status"] for r in land.registry()]
    assert sorted(statuses) == ["loaded", "superseded"]
    assert land.rows("SELECT count(DISTINCT _file_sha256) FROM raw.orders") == [(1,)]
    assert_reconciled(land)


def test_corrected_file_of_another_delivery_does_not_touch_this_one(land):
    land.write_csv("orders", "o.csv", [valid_order(order_id="O-1")], delivery="2026-10-24")
    land.write_csv("orders", "o.csv", [valid_order(order_id="O-2")], delivery="2026-10-25")
    land.ingest("orders")
    land.write_csv("orders", "o.csv", [valid_order(order_id="O-3")], delivery="2026-10-25")
    land.ingest("orders")
    assert land.rows("SELECT order_id, _delivery_date FROM raw.orders ORDER BY 1") == [
        ("O-1", dt.date(2026, 10, 24)),
        ("O-3", dt.date(2026, 10, 25)),
    ]


def test_rejected_file_corrected_later_loads(land):
    land.write("orders", "o.csv", csv_bytes([valid_order()], header=[c for c in valid_order() if c != "sku_id"]))
    assert land.ingest("orders").files_rejected == 1
    assert land.ingest("orders").skipped_unchanged == 1  # the same rejected bytes are not retried
    land.write_csv("orders", "o.csv", [valid_order()])
    assert land.ingest("orders").rows_loaded == 1
    assert [r["status"] for r in land.registry()] == ["superseded", "loaded"]


def test_deliveries_in_date_then_file_name_order_with_progress_lines(land):
    land.write_csv("orders", "b.csv", [valid_order(order_id="O-2")], delivery="2026-10-02")
    land.write_csv("orders", "a.csv", [valid_order(order_id="O-1"), valid_order(order_id="O-x", quantity="-1")], delivery="2026-10-02")
    land.write_csv("orders", "a.csv", [valid_order(order_id="O-0")], delivery="2026-10-01")
    lines = []
    result = land.ingest("orders", progress=lines.append)
    assert [(str(f.delivery_date), f.file_name) for f in result.files] == [
        ("2026-10-01", "a.csv"), ("2026-10-02", "a.csv"), ("2026-10-02", "b.csv"),
    ]
    # one line per file, with its wall time and rate
    assert re.fullmatch(r"orders 2026-10-02 a\.csv: 2 read, 1 loaded, 1 quarantined in \d+\.\d\d s \([\d,]+ rows/s\)",
                        lines[1]), lines[1]
    assert len(lines) == 3


def test_reconciliation_holds_for_every_file(land):
    land.write_csv("orders", "a.csv", [valid_order(order_id=f"O-{i}", quantity=str(i % 3)) for i in range(30)])
    land.write("orders", "b.jsonl", jsonl_bytes([valid_order(order_id="O-1"), "{bad", valid_order(order_id="O-1")]))
    land.write_csv("merchants", "m.csv", [valid_merchant(), valid_merchant(merchant_id="M-2", business_license_no="X")])
    land.ingest("orders")
    land.ingest("merchants")
    assert land.rows("SELECT count(*) FROM meta.file_registry WHERE status = 'loaded'") == [(3,)]
    # quantity 0; malformed + duplicate; licence; and (contract 1.1, key rule across the delivery's files)
    # a.csv's O-1 (quantity 1) conflicts with b.jsonl's O-1 (quantity 2): both copies quarantined
    assert land.rows("SELECT sum(rows_quarantined) FROM meta.file_registry") == [(10 + 2 + 1 + 2,)]
    assert land.rows("SELECT file_name, line FROM meta.quarantine WHERE rule = 'conflicting_key' ORDER BY 1") == [
        ("a.csv", 3), ("b.jsonl", 1)]
    assert_reconciled(land)


def test_a_failure_inside_a_file_leaves_nothing_of_it(land, monkeypatch):
    land.write_csv("orders", "a.csv", [valid_order(order_id="O-1"), valid_order(order_id="O-2")])
    original = ingest_rules.raw_insert_sql

    def loses_a_row(source):
        return original(source).replace("WHERE __v IS NULL", "WHERE __v IS NULL AND __rw_line <> 3")

    monkeypatch.setattr(ingest_rules, "raw_insert_sql", loses_a_row)
    with pytest.raises(ReconciliationError, match=r"a.csv: 2 rows read but 1 loaded \+ 0 quarantined"):
        land.ingest("orders")
    assert _counts(land) == (0, 0, 0)
    monkeypatch.undo()
    assert land.ingest("orders").rows_loaded == 2  # and the next run loads it whole


def test_a_crash_while_replacing_keeps_the_old_version(land, monkeypatch):
    land.write_csv("orders", "a.csv", [valid_order(order_id="O-1")])
    land.ingest("orders")
    land.write_csv("orders", "a.csv", [valid_order(order_id="O-2")])

    def boom(source):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ingest_rules, "quarantine_insert_sql", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        land.ingest("orders")
    assert land.rows("SELECT order_id FROM raw.orders") == [("O-1",)]
    assert [r["status"] for r in land.registry()] == ["loaded"]


def test_scan_landing_reports_unknown_folders_and_file_types(land):
    land.write_csv("orders", "o.csv", [valid_order()])
    land.write("orders", "notes.txt", b"hello")
    land.write("orders", "x.csv", b"a\n", delivery="2026-13-45")
    land.write("orders", "y.csv", b"a\n", delivery="latest")
    land.write("shipments", "s.csv", b"a\n")
    land.write("_archive", "old.csv", b"a\n")  # operator's folder: ignored silently
    land.write("orders", "o.csv", b"a\n", delivery="_tmp")
    (land.root / "README").write_text("x")
    issues = dict(scan_landing(land.con, land.root))
    root = land.root
    assert set(issues) == {
        str(root / "orders" / DELIVERY / "notes.txt"),
        str(root / "orders" / "2026-13-45"),
        str(root / "orders" / "latest"),
        str(root / "shipments"),
        str(root / "README"),
    }
    assert "unknown file type" in issues[str(root / "orders" / DELIVERY / "notes.txt")]
    assert "not a valid YYYY-MM-DD date" in issues[str(root / "orders" / "latest")]
    recorded = land.rows("SELECT count(*) FROM meta.landing_issues")[0][0]
    assert recorded == 5
    scan_landing(land.con, land.root)
    assert land.rows("SELECT count(*) FROM meta.landing_issues")[0][0] == 5  # reported once, not every run
    # ingesting still loads the good file and records its own folder problems
    result = land.ingest("orders")
    assert [f.file_name for f in result.files] == ["o.csv"] and result.rows_loaded == 1
