"""Personal data hidden in free text and in extra columns never reaches the warehouse in clear:
found by pattern (mobile, identity number with a valid check character, Luhn card, e-mail), replaced
by its keyed pseudonym token, the rest of the text exactly as delivered; look-alikes stay."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest
from ingest_fixtures import KEY, jsonl_bytes, make_landing, valid_complaint, valid_order

from dagster_project.ingest import pseudonymise
from dagster_project.ingest.hidden_pii import (
    find_personal_data,
    identity_check_ok,
    luhn_ok,
    redact_array,
    redact_text,
)


def _token(kind: str, value: str) -> str:
    return f"[{kind}:{pseudonymise(value, KEY)}]"


def _hasher(value: str) -> str:
    return pseudonymise(value, KEY)


VALID_ID = "11010519491231002X"        # GB 11643 check character correct
VALID_ID_LOWER_X = "11010519491231002x"
BAD_CHECK_ORDER_ID = "123456789012345678"  # 18 digits, check character wrong: an order id, not a person
CARD = "6217001234567890122"           # 19 digits, Luhn valid
CARD_SPACED = "4111 1111 1111 1111"     # 16 digits, Luhn valid
NOT_A_CARD = "6217001234567890127"      # Luhn fails
EMAIL = "Zhang.San@Example.com"


@pytest.mark.parametrize("written, digits", [
    ("13987654321", "13987654321"),
    ("139 8765 4321", "13987654321"),
    ("139-8765-4321", "13987654321"),
    ("+86 139 8765 4321", "13987654321"),
    ("+86-13987654321", "13987654321"),
    ("008613987654321", "13987654321"),
])
def test_mobile_numbers_in_every_written_form_become_the_token_of_their_digits(written, digits):
    text = f"请联系我{written}，谢谢"
    assert redact_text(text, _hasher) == f"请联系我{_token('mobile', digits)}，谢谢"


def test_identity_number_needs_a_valid_check_character():
    assert identity_check_ok(VALID_ID) and identity_check_ok(VALID_ID_LOWER_X)
    assert not identity_check_ok(BAD_CHECK_ORDER_ID)
    assert redact_text(f"身份证{VALID_ID}。", _hasher) == f"身份证{_token('id', VALID_ID)}。"
    assert redact_text(f"身份证{VALID_ID_LOWER_X}", _hasher) == f"身份证{_token('id', VALID_ID)}"
    order_text = f"订单号 {BAD_CHECK_ORDER_ID} 未发货"
    assert redact_text(order_text, _hasher) == order_text


def test_bank_cards_need_the_luhn_check_and_16_to_19_digits():
    assert luhn_ok(CARD) and luhn_ok(CARD_SPACED.replace(" ", "")) and not luhn_ok(NOT_A_CARD)
    assert redact_text(f"卡号{CARD}", _hasher) == f"卡号{_token('card', CARD)}"
    assert redact_text(f"card {CARD_SPACED}.", _hasher) == f"card {_token('card', CARD_SPACED.replace(' ', ''))}."
    legacy = "9558801234567890122"[:-1]
    legacy += next(d for d in "0123456789" if luhn_ok(legacy + d))
    assert redact_text(f"工行卡 {legacy}", _hasher) == f"工行卡 {_token('card', legacy)}"
    date_like = "2026102500000123"[:-1]
    date_like += next(d for d in "0123456789" if luhn_ok(date_like + d))  # passes Luhn, but an id
    for kept in (f"卡号{NOT_A_CARD}", "SKU 4111111111111111111111", "金额 1234.56 元", f"订单 {date_like}"):
        assert redact_text(kept, _hasher) == kept


def test_email_is_tokenised_and_everything_else_kept_byte_for_byte():
    text = f"  <b>退款</b> =SUM(A1) 写信给 {EMAIL}; 第二行\n\t订单 O-1  "
    assert redact_text(text, _hasher) == f"  <b>退款</b> =SUM(A1) 写信给 {_token('email', EMAIL.lower())}; 第二行\n\t订单 O-1  "
    assert find_personal_data("no personal data 2026-10-01 12:00, 3 件, 价格 99.00") == []


def test_a_phone_token_in_text_matches_the_pseudonym_of_the_phone_column():
    """Normalised before hashing, so the link between a description and consumer_phone_key survives."""
    assert redact_text("139-1234-5678", _hasher) == f"[mobile:{pseudonymise('13912345678', KEY)}]"


def test_column_redaction_touches_only_matching_cells():
    values = pa.array(["ok", None, "call 13987654321", "", f"{BAD_CHECK_ORDER_ID}"] * 30)
    out = redact_array(values, _hasher).to_pylist()
    expected = ["ok", None, f"call {_token('mobile', '13987654321')}", "", BAD_CHECK_ORDER_ID] * 30
    assert out == expected


PLANTED = ["13987654321", "139 8765 4321", "15011112222", VALID_ID, CARD, EMAIL, EMAIL.lower(),
           "18600001111", "zhao@corp.cn", "13511112222"]


def _deliver_hidden(land):
    description = f"电话 139 8765 4321，身份证 {VALID_ID}，卡号 {CARD}，邮箱 {EMAIL}，订单 {BAD_CHECK_ORDER_ID}"
    complaints = [
        {**valid_complaint(description=description), "tel_no": "150-1111-2222", "备注": "wechat 18600001111"},
        # a bad row (satisfaction out of domain): quarantined with its raw values
        {**valid_complaint(complaint_id="C-2", satisfaction="9", description=f"mail zhao@corp.cn id {VALID_ID}"),
         "tel_no": "", "备注": ""},
    ]
    land.write_csv("complaints", "c.csv", complaints)
    land.write("orders", "o.jsonl", jsonl_bytes([{**valid_order(), "msisdn": "+86 135 1111 2222", "x": "note 15011112222"}]))
    land.write_parquet("orders", "p.parquet", pa.table({**{k: [v] for k, v in valid_order(order_id="O-2").items()},
                                                       "field_7": [f"{CARD}"]}))
    land.ingest("complaints")
    land.ingest("orders")


@pytest.fixture
def hidden(tmp_path):
    land = make_landing(tmp_path)
    _deliver_hidden(land)
    yield land
    land.con.close()


def test_description_keeps_its_text_with_tokens_in_place(hidden):
    [(description, extras)] = hidden.rows("SELECT description, _extra_columns FROM raw.complaints")
    assert description == (
        f"电话 {_token('mobile', '13987654321')}，身份证 {_token('id', VALID_ID)}，卡号 {_token('card', CARD)}，"
        f"邮箱 {_token('email', EMAIL.lower())}，订单 {BAD_CHECK_ORDER_ID}"
    )
    extras = json.loads(extras)
    assert extras["备注"] == f"wechat {_token('mobile', '18600001111')}"
    assert extras["tel_no"] == _token("mobile", "15011112222")


def test_extra_columns_with_any_name_are_searched(hidden):
    rows = dict(hidden.rows("SELECT order_id, _extra_columns FROM raw.orders"))
    assert json.loads(rows["O-1"])["x"] == f"note {_token('mobile', '15011112222')}"
    assert json.loads(rows["O-2"])["field_7"] == _token("card", CARD)


def test_quarantined_raw_values_and_messages_are_redacted(hidden):
    [row] = hidden.quarantine()
    assert f"[email:{pseudonymise('zhao@corp.cn', KEY)}]" in row["raw_values"]
    assert _token("id", VALID_ID) in row["raw_values"]


def test_no_planted_value_in_the_work_file_bytes(hidden):
    hidden.con.execute("CHECKPOINT")
    hidden.con.close()
    data = hidden.db_path.read_bytes()
    wal = hidden.db_path.with_name(hidden.db_path.name + ".wal")
    if wal.exists():
        data += wal.read_bytes()
    assert BAD_CHECK_ORDER_ID.encode() in data  # the look-alike stays, and the scan can see it
    for value in PLANTED:
        for encoded in (value.encode("utf-8"), value.encode("utf-16-le")):
            assert encoded not in data, value
