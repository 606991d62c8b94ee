"""Personal data never reaches the work database in clear: not in raw tables, quarantine raw
values, messages, registry, nor anywhere in the DuckDB file's bytes. Plus the key handling."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat

import pyarrow as pa
import pytest
from ingest_fixtures import (
    KEY,
    csv_bytes,
    jsonl_bytes,
    make_landing,
    valid_complaint,
    valid_merchant,
    valid_order,
)

from dagster_project.ingest import load_or_create_key, pseudonymise
from dagster_project.ingest.pseudonymise import Pseudonymiser
from dagster_project.settings import get_settings

CLEAR = ["CONSUMER-SECRET-0001", "CONSUMER-SECRET-0002", "13912345678", "13700001111", "15055556666"]
CANARY = "SKU-CANARY-VISIBLE-0042"  # not personal data: must be findable, proving the byte scan can see strings


def _deliver_everything(land):
    """Personal data in clean rows, bad rows, duplicates, malformed CSV/JSON, Parquet and gzip."""
    orders = [
        valid_order(order_id="O-1", sku_id=CANARY),
        valid_order(order_id="O-2", consumer_id="CONSUMER-SECRET-0002", quantity="x"),  # type_invalid
        valid_order(order_id="O-3", consumer_phone="15055556666", channel="tv"),  # enum_invalid
        valid_order(order_id="O-4"),
        valid_order(order_id="O-4"),  # duplicate
        valid_order(order_id="O-5", quantity="1"),
        valid_order(order_id="O-5", quantity="2"),  # conflict
    ]
    land.write_csv("orders", "a.csv", orders)
    land.write(
        "orders",
        "b.csv",
        csv_bytes([valid_order(order_id="O-6")]) + b"O-7,1,M-1,CONSUMER-SECRET-0002,15055556666\r\n",  # wrong field count
    )
    land.write(
        "orders",
        "c.jsonl.gz",
        jsonl_bytes([valid_order(order_id="O-8"), '{"order_id": "O-9", "consumer_id": "CONSUMER-SECRET-0002", "consumer_phone": "15055556666"']),
        gz=True,
    )
    land.write_parquet("orders", "d.parquet", pa.table({k: [v] for k, v in valid_order(order_id="O-10", consumer_phone="15055556666").items()}))
    land.write_csv("merchants", "m.csv", [valid_merchant(), valid_merchant(merchant_id="M-2", business_license_no="BAD", contact_phone="13700001111")])
    land.write_csv("complaints", "c.csv", [valid_complaint(), valid_complaint(complaint_id="C-2", consumer_id="CONSUMER-SECRET-0002", satisfaction="9")])
    for source in ("orders", "merchants", "complaints"):
        land.ingest(source)


@pytest.fixture
def delivered(tmp_path):
    land = make_landing(tmp_path)
    _deliver_everything(land)
    yield land
    land.con.close()


def test_every_file_was_processed(delivered):
    assert delivered.rows("SELECT count(*) FROM meta.file_registry WHERE status = 'loaded'") == [(6,)]
    assert delivered.rows("SELECT count(*) FROM meta.quarantine")[0][0] >= 8


def test_no_clear_personal_data_in_any_varchar_column(delivered):
    con = delivered.con
    columns = con.execute(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns "
        "WHERE data_type = 'VARCHAR' AND table_catalog = current_database()"
    ).fetchall()
    assert len(columns) > 50
    hits = []
    for schema, table, column in columns:
        for value in CLEAR:
            n = con.execute(f'SELECT count(*) FROM "{schema}"."{table}" WHERE contains("{column}", ?)', [value]).fetchone()[0]
            if n:
                hits.append((schema, table, column, value))
    assert hits == []
    canary = con.execute("SELECT count(*) FROM raw.orders WHERE sku_id = ?", [CANARY]).fetchone()[0]
    assert canary == 1


def test_pseudonyms_are_keyed_hashes_and_link_a_consumer_across_sources(delivered):
    expected = pseudonymise("CONSUMER-SECRET-0001", KEY)
    assert expected == hmac.new(KEY, b"CONSUMER-SECRET-0001", hashlib.sha256).hexdigest()
    assert delivered.rows("SELECT DISTINCT consumer_key FROM raw.orders WHERE order_id = 'O-1'") == [(expected,)]
    assert delivered.rows("SELECT consumer_key FROM raw.complaints") == [(expected,)]
    assert delivered.rows("SELECT consumer_phone_key FROM raw.orders WHERE order_id = 'O-1'") == [(pseudonymise("13912345678", KEY),)]
    assert delivered.rows("SELECT contact_phone_key FROM raw.merchants") == [(pseudonymise("13700001111", KEY),)]
    plain_sha = hashlib.sha256(b"CONSUMER-SECRET-0001").hexdigest()  # an unkeyed hash would be reversible
    assert delivered.rows("SELECT count(*) FROM raw.orders WHERE consumer_key = ?", [plain_sha]) == [(0,)]


def test_no_clear_personal_data_in_the_database_file_bytes(delivered):
    delivered.con.execute("CHECKPOINT")
    delivered.con.close()
    data = delivered.db_path.read_bytes()
    wal = delivered.db_path.with_name(delivered.db_path.name + ".wal")
    if wal.exists():
        data += wal.read_bytes()
    assert CANARY.encode() in data  # the scan does see stored strings
    for value in CLEAR:
        for encoded in (value.encode("utf-8"), value.encode("utf-16-le")):
            assert encoded not in data, value
    assert KEY not in data and KEY.hex().encode() not in data


def test_key_file_is_created_once_with_mode_0600_and_reused(tmp_path, monkeypatch):
    monkeypatch.delenv("RW_PSEUDONYM_KEY", raising=False)
    monkeypatch.setenv("RW_WAREHOUSE", str(tmp_path / "wh" / "rightswatch.duckdb"))
    settings = get_settings()
    assert not settings.key_file.exists()
    first = load_or_create_key(settings)
    assert settings.key_file.exists()
    assert stat.S_IMODE(os.stat(settings.key_file).st_mode) == 0o600
    assert len(first) == 32
    content = settings.key_file.read_bytes()
    second = load_or_create_key(get_settings())
    assert second == first and settings.key_file.read_bytes() == content
    other = tmp_path / "elsewhere" / "rightswatch.duckdb"
    monkeypatch.setenv("RW_WAREHOUSE", str(other))
    assert load_or_create_key(get_settings()) != first  # a new installation gets its own random key


def test_environment_key_wins_over_the_key_file(tmp_path, monkeypatch):
    monkeypatch.setenv("RW_WAREHOUSE", str(tmp_path / "rightswatch.duckdb"))
    monkeypatch.setenv("RW_PSEUDONYM_KEY", "ab" * 32)
    assert load_or_create_key(get_settings()) == bytes.fromhex("ab" * 32)
    monkeypatch.setenv("RW_PSEUDONYM_KEY", "a long pass phrase, not hex at all")
    assert load_or_create_key(get_settings()) == b"a long pass phrase, not hex at all"
    assert not (tmp_path / "rightswatch.key").exists()  # no key file written when the key comes from the environment


@pytest.mark.parametrize("key", [KEY, b"short", b"k" * 100])
def test_column_pseudonymiser_matches_hmac(key):
    hasher = Pseudonymiser(key)
    values = ["C1", "C1", "13912345678", "", "  ", None, "张三"]
    out = hasher.array(pa.array(values)).to_pylist()
    assert out == [hmac.new(key, v.encode(), hashlib.sha256).hexdigest() if v and v.strip() else None for v in values]
    assert pseudonymise("C1", key) != pseudonymise("C1", key + b"x")


def test_extra_columns_that_look_like_personal_data_are_pseudonymised(tmp_path):
    land = make_landing(tmp_path)
    row = {**valid_order(order_id="O-X"), "buyer_phone": "13912345678", "gift_wrap": "yes"}
    bad = {**valid_order(order_id="O-Y", quantity="0"), "buyer_phone": "13700001111", "gift_wrap": "no"}
    land.write_csv("orders", "x.csv", [row, bad], header=[*row])
    land.ingest("orders")
    extras = land.rows("SELECT _extra_columns FROM raw.orders")[0][0]
    assert "gift_wrap" in extras and '"yes"' in extras  # ordinary extras are kept as delivered
    assert "13912345678" not in extras
    assert pseudonymise("13912345678", KEY) in extras
    quarantined = land.quarantine()[0]["raw_values"]
    assert "13700001111" not in quarantined
    assert pseudonymise("13700001111", KEY) in quarantined
