"""Tests of the sample-data generator (dagster_project.generate).

The generated tree is re-read here independently of the generator (csv/json/pyarrow, rules taken
from the project's landing contract) so the truth files are checked against what is really in the
files, and a small reference scorer re-derives every planted merchant's tier from the data.
"""

from __future__ import annotations

import csv
import functools
import gzip
import hashlib
import io
import json
import re
import statistics
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import yaml

from dagster_project.generate import DEFAULT_ORDER_LINES, generate, make_uscc, uscc_is_valid
from dagster_project.generate.licence import corrupt_uscc

CONTRACT = yaml.safe_load(
    (Path(__file__).resolve().parent.parent / "dagster_project" / "contract" / "landing_contract.yml").read_text(
        encoding="utf-8"))
SOURCES = ("merchants", "orders", "complaints", "refunds")
CUTOFF = datetime(2026, 10, 31, 23, 59, 59)
DAYS = [f"2026-10-{d}" for d in range(25, 32)]


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def default_tree(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("default")
    lines: list[str] = []
    summary = generate(out, progress=lines.append)
    assert summary["files_written"] == len([x for x in lines if x.startswith("wrote ") and "_truth" not in x])
    return out


@pytest.fixture(scope="module")
def second_seed_tree(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("seed2")
    generate(out, seed=2)
    return out


def _truth(root: Path, name: str) -> list[dict]:
    with (root / "_truth" / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# --------------------------------------------------------------------------- an independent reader
def _decode(path: Path) -> bytes:
    """The file's bytes, decompressed when the name says gzip."""
    raw = path.read_bytes()
    return gzip.decompress(raw) if path.name.endswith(".gz") else raw


def read_file(path: Path) -> list[tuple[int, dict | None, str]]:
    """(line, record or None when unparsable, raw text) per record, numbered the way the contract says."""
    raw = _decode(path)
    out: list[tuple[int, dict | None, str]] = []
    if path.name.endswith(".parquet"):
        table = pq.read_table(io.BytesIO(raw))
        for i, field in enumerate(table.schema):  # UTC instants → naive local time, as the other formats
            if pa.types.is_timestamp(field.type):
                local = pc.add(table.column(i).cast(pa.int64()), 8 * 3600 * 1_000_000).cast(pa.timestamp("us"))
                table = table.set_column(i, field.name, local)
        for i, rec in enumerate(table.to_pylist()):
            out.append((i + 1, rec, ""))
    elif ".jsonl" in path.name:
        for i, line in enumerate(raw.decode("utf-8").split("\n")):
            if line == "":
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                rec = None
            out.append((i + 1, rec if isinstance(rec, dict) else None, line))
    else:
        if raw.startswith(b"\xef\xbb\xbf"):
            text = raw.decode("utf-8-sig")
        else:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("gb18030")
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader)
        prev = reader.line_num
        for cells in reader:
            out.append((prev + 1, dict(zip(header, cells, strict=False)), ""))
            prev = reader.line_num
    return out


def iter_files(root: Path):
    for source in SOURCES:
        for path in sorted((root / source).glob("*/*")):
            yield source, path.parent.name, path


def parse_ts(v):
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v
    if not isinstance(v, str) or not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|\+08:00)?", v):
        raise ValueError(v)
    if v.endswith("Z"):
        return datetime.fromisoformat(v[:-1]) + timedelta(hours=8)
    return datetime.fromisoformat(v.removesuffix("+08:00"))


def parse_value(v, typ: str, values=None):
    """Contract type parsing; raises ValueError for a value that does not parse."""
    if typ == "timestamp":
        return parse_ts(v)
    if typ == "date":
        return v if isinstance(v, date) else date.fromisoformat(v)
    if typ == "integer":
        if isinstance(v, bool):
            raise ValueError(v)
        if isinstance(v, int):
            return v
        if isinstance(v, str) and re.fullmatch(r"-?\d+", v):
            return int(v)
        raise ValueError(v)
    if typ == "decimal":
        if isinstance(v, str):
            if not re.fullmatch(r"-?\d+\.\d\d", v):
                raise ValueError(v)
            return float(v)
        if isinstance(v, bool):
            raise ValueError(v)
        return float(v)
    if typ == "boolean":
        if isinstance(v, bool):
            return v
        if v in ("true", "false"):
            return v == "true"
        raise ValueError(v)
    return v


def row_rules(source: str, rec: dict) -> tuple[set[str], set[str], dict]:
    """(hard rules, soft flags, parsed values) of one record, from the contract alone."""
    hard, soft, parsed = set(), set(), {}
    for col in CONTRACT["sources"][source]["columns"]:
        name, typ = col["name"], col["type"]
        v = rec.get(name)
        if v is None or v == "":
            if col.get("required"):
                hard.add("required_missing")
            parsed[name] = None
            continue
        try:
            p = parse_value(v, typ)
        except (ValueError, TypeError):
            hard.add("type_invalid")
            parsed[name] = None
            continue
        if typ == "enum" and p not in col["values"]:
            hard.add("enum_invalid")
        if ("min" in col and p < col["min"]) or ("min_exclusive" in col and p <= col["min_exclusive"]) or (
                "max" in col and p > col["max"]):
            hard.add("domain_violation")
        if col.get("check") == "uscc" and not uscc_is_valid(p):
            hard.add("license_check_failed")
        parsed[name] = p
    for col in CONTRACT["sources"][source]["columns"]:
        other = col.get("not_before")
        if (other and parsed.get(col["name"]) is not None and parsed.get(other) is not None
                and parsed[col["name"]] < parsed[other]):
            soft.add(f"{col['name']}_before_{other}")
    return hard, soft, parsed


@functools.lru_cache(maxsize=4)
def check_tree(root: Path):
    """Re-derive (file, line, rule) of every bad row and soft flag in the tree from the contract."""
    hard_found, soft_found, loaded = set(), set(), defaultdict(list)
    for source, day, path in iter_files(root):
        key_cols = CONTRACT["sources"][source]["key"]
        groups: dict[tuple, list[tuple[int, str]]] = defaultdict(list)
        for line, rec, _raw in read_file(path):
            where = (source, day, path.name, line)
            if rec is None:
                hard_found.add((*where, "malformed_record"))
                continue
            hard, soft, parsed = row_rules(source, rec)
            for rule in hard:
                hard_found.add((*where, rule))
            if hard:
                continue
            canon = tuple(parsed.values())
            groups[(*(str(parsed[k]) for k in key_cols), str(parsed["updated_at"]))].append((line, canon))
            loaded[source].append((where, parsed, soft))
        for copies in groups.values():
            if len(copies) > 1:
                if len({c for _, c in copies}) == 1:
                    hard_found.update((source, day, path.name, line, "duplicate_key") for line, _ in copies[1:])
                else:
                    hard_found.update((source, day, path.name, line, "conflicting_key") for line, _ in copies)
    dup_conf = {h[:4] for h in hard_found if h[4] in ("duplicate_key", "conflicting_key")}
    merchants = {p["merchant_id"] for _, p, _ in loaded["merchants"]}
    orders = {p["order_id"] for w, p, _ in loaded["orders"] if w not in dup_conf}
    for source, rows in loaded.items():
        for where, parsed, soft in rows:
            if where in dup_conf:
                continue
            flags = set(soft)
            if source != "merchants" and parsed["merchant_id"] not in merchants:
                flags.add("unknown_merchant")
            if source in ("complaints", "refunds") and parsed["order_id"] is not None and parsed["order_id"] not in orders:
                flags.add("unknown_order")
            soft_found.update((*where, f) for f in flags)
    return hard_found, soft_found, loaded


# --------------------------------------------------------------------------- licence
def test_uscc_check_against_known_codes():
    assert uscc_is_valid("91350100M000100Y43")
    assert make_uscc("91350100M000100Y4") == "91350100M000100Y43"
    assert uscc_is_valid("91110000600037341L")  # a published Beijing company code
    assert not uscc_is_valid("91350100M000100Y44")  # wrong check character
    assert not uscc_is_valid("91350100M000100Y4")  # too short
    assert not uscc_is_valid("91350100M000100I43")  # I is not in the charset
    assert not uscc_is_valid("91350100m000100y43")  # lower case is not the charset
    assert not uscc_is_valid(None)
    assert not uscc_is_valid(corrupt_uscc("91350100M000100Y43"))
    # the check character can be any symbol, including letters and 0
    assert {make_uscc(f"9133010000000{i:04d}")[-1] for i in range(200)} >= set("0ABY")


# --------------------------------------------------------------------------- determinism, speed
def _digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    a = generate(tmp_path / "a", orders=2_000, seed=7)
    t0 = time.process_time()  # CPU time of this process: not inflated by a busy machine
    generate(tmp_path / "b", orders=2_000, seed=7)
    elapsed = time.process_time() - t0
    generate(tmp_path / "c", orders=2_000, seed=8)
    da, db, dc = _digest(tmp_path / "a"), _digest(tmp_path / "b"), _digest(tmp_path / "c")
    assert da == db
    common = set(da) & set(dc)  # (a tiny run may leave a quiet day without complaints)
    assert len(common) >= len(da) - 3
    data_files = [k for k in common if not k.startswith("_truth/")]
    assert all(da[k] != dc[k] for k in data_files)  # different content in every delivery file
    assert da["_truth/merchant_patterns.csv"] != dc["_truth/merchant_patterns.csv"]
    assert elapsed < 2, f"a 2,000-line run took {elapsed:.1f}s of CPU"
    assert json.loads((tmp_path / "a" / "_truth" / "summary.json").read_text(encoding="utf-8")) == a
    assert a["order_lines_requested"] == 2_000


def test_default_size_and_summary(default_tree):
    summary = json.loads((default_tree / "_truth" / "summary.json").read_text(encoding="utf-8"))
    assert DEFAULT_ORDER_LINES == 30_000
    assert 30_000 <= summary["records"]["order_lines"] <= 31_000
    assert summary["files_written"] == len(list(default_tree.glob("[!_]*/*/*")))
    for f in summary["files"]:
        assert (default_tree / f["path"]).stat().st_size == f["bytes"]
    assert sum(summary["rows_per_source"].values()) == sum(f["rows"] for f in summary["files"])
    bad = _truth(default_tree, "bad_rows.csv")
    total = sum(summary["rows_per_source"].values())
    assert 0.004 <= len(bad) / total <= 0.01  # a small, known share
    assert summary["bad_rows_total"] == len(bad)


# --------------------------------------------------------------------------- layout and formats
def test_every_delivery_and_format_present(default_tree):
    files = list(iter_files(default_tree))
    days = {(s, d) for s, d, _ in files}
    for source in ("orders", "complaints", "refunds"):
        assert {d for s, d in days if s == source} == set(DAYS)
    assert ("merchants", "2026-10-25") in days
    names = [p.name for _, _, p in files]
    assert any(n.endswith(".parquet") for n in names)
    assert any(n.endswith(".jsonl") for n in names)
    assert any(n.endswith(".jsonl.gz") for n in names)
    assert any(n.endswith(".csv.gz") for n in names)
    csvs = [p for _, _, p in files if ".csv" in p.name]
    heads = {p: _decode(p)[:3] for p in csvs}
    assert any(h == b"\xef\xbb\xbf" for h in heads.values()), "a CSV with BOM"
    assert any(h != b"\xef\xbb\xbf" for h in heads.values()), "a CSV without BOM"
    gb = default_tree / "merchants" / "2026-10-25" / "merchants_backfill_20261025.csv"
    raw = gb.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gb18030")
    assert re.search(r"[\u4e00-\u9fff]{4,}(旗舰店|专营店|专卖店|官方店|自营店|小店)", text)
    assert "浙江省" in text or "广东省" in text
    # the parquet file is typed: decimals and UTC instants
    schema = pq.read_schema(default_tree / "orders" / "2026-10-25" / "orders_backfill_20261025.parquet")
    assert str(schema.field("unit_price").type) == "decimal128(18, 2)"
    assert str(schema.field("ordered_at").type) == "timestamp[us, tz=UTC]"
    # one file carries an extra column that is not in the contract
    contract_cols = {c["name"] for c in CONTRACT["sources"]["orders"]["columns"]}
    extras = [p for s, _, p in files if s == "orders" and ".csv" in p.name
              and set(read_file(p)[0][1]) - contract_cols]
    assert len(extras) == 1


def test_jsonl_malformed_lines_are_exactly_the_planted_ones(default_tree):
    planted = {(r["file_name"], int(r["line"])) for r in _truth(default_tree, "bad_rows.csv")
               if r["rule"] == "malformed_record"}
    found = {(p.name, line) for s, _, p in iter_files(default_tree) if ".jsonl" in p.name
             for line, rec, _ in read_file(p) if rec is None}
    assert found == planted
    assert len(planted) >= 2
    assert any(name.endswith(".gz") for name, _ in planted)


def test_timestamps_money_and_free_text(default_tree):
    text = "".join(_decode(p).decode("utf-8", errors="replace") for s, _, p in iter_files(default_tree)
                   if s != "merchants" and not p.name.endswith(".parquet"))
    assert re.search(r'"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"|,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d,', text)  # no offset
    assert re.search(r"T\d\d:\d\d:\d\d\+08:00", text)
    assert re.search(r"T\d\d:\d\d:\d\dZ", text)
    bad = {(r["file_name"], int(r["line"])) for r in _truth(default_tree, "bad_rows.csv")}
    money_cols = {s: [c["name"] for c in CONTRACT["sources"][s]["columns"] if c["type"] == "decimal"] for s in SOURCES}
    checked = 0
    for s, _, p in iter_files(default_tree):
        if ".csv" in p.name:  # money always has exactly two decimals
            for line, rec, _ in read_file(p):
                if (p.name, line) not in bad:
                    for col in money_cols[s]:
                        assert rec[col] == "" or re.fullmatch(r"\d+\.\d\d", rec[col]), (p.name, line, col)
                        checked += rec[col] != ""
    assert checked > 1000
    assert re.search(r"\"compensation_amount\":\d+\.\d\d,", text)  # JSON numbers with two decimals too
    assert "<script>alert(1)</script>" in text
    complaints_csv = next(p for s, _, p in iter_files(default_tree) if s == "complaints" and ".csv" in p.name)
    recs = read_file(complaints_csv)
    descs = [r["description"] for _, r, _ in recs]
    assert any(d.startswith('=HYPERLINK("http://evil.example","点我")') for d in descs)
    multi = [(line, r) for line, r, _ in recs if "\n" in r["description"]]
    assert multi, "a CSV record spanning several physical lines"
    # a record after a multi-line one starts on the physical line the reader says
    lines = _decode(complaints_csv).decode("utf-8-sig").split("\n")  # physical lines
    for line, r, _ in recs:
        assert lines[line - 1].startswith(r["complaint_id"] + ",")


# --------------------------------------------------------------------------- truth of bad rows
def test_bad_rows_and_soft_flags_truth_match_the_files(default_tree):
    hard_found, soft_found, _ = check_tree(default_tree)
    truth_hard = {(r["source"], r["delivery_date"], r["file_name"], int(r["line"]), r["rule"])
                  for r in _truth(default_tree, "bad_rows.csv")}
    truth_soft = {(r["source"], r["delivery_date"], r["file_name"], int(r["line"]), r["flag"])
                  for r in _truth(default_tree, "soft_flags.csv")}
    assert hard_found == truth_hard
    assert soft_found == truth_soft
    rules = {t[4] for t in truth_hard}
    assert rules == {"required_missing", "type_invalid", "malformed_record", "enum_invalid", "domain_violation",
                     "license_check_failed", "duplicate_key", "conflicting_key"}
    assert {t[4] for t in truth_soft} == {
        "paid_at_before_ordered_at", "shipped_at_before_paid_at", "delivered_at_before_shipped_at",
        "first_response_at_before_received_at", "resolved_at_before_received_at",
        "decided_at_before_requested_at", "unknown_merchant", "unknown_order"}
    # each planted bad row breaks exactly one rule (a clean quarantine reason)
    per_row = defaultdict(set)
    for t in truth_hard:
        per_row[t[:4]].add(t[4])
    assert all(len(v) == 1 for v in per_row.values())


# --------------------------------------------------------------------------- patterns
REQUIRED_PATTERNS = {
    "serious_counterfeit": 4, "serious_data_leak": 3, "serious_price_fraud": 2, "serious_review_removed": 2,
    "serious_expired_licence": 4, "serious_nrr_refusal": 2, "fake_original_price": 2,
    "repeat_quality_offender": 2, "late_refunds": 2, "odr_breach": 1, "late_shipment_breach": 1,
    "honest_large": 0, "honest_one_bad_week": 0, "honest_new_low_volume": 0,
}


def test_pattern_truth_file(default_tree, second_seed_tree):
    a = _truth(default_tree, "merchant_patterns.csv")
    b = _truth(second_seed_tree, "merchant_patterns.csv")
    got = {r["pattern"]: int(r["expected_tier"]) for r in a}
    for pattern, tier in REQUIRED_PATTERNS.items():
        assert got[pattern] == tier
    assert all(int(r["expected_tier"]) == 0 for r in a if r["pattern"].startswith("honest_"))
    assert sorted((r["pattern"], r["expected_tier"]) for r in a) == sorted((r["pattern"], r["expected_tier"]) for r in b)
    # the seed moves the patterns to other merchants
    assert {r["pattern"]: r["merchant_id"] for r in a} != {r["pattern"]: r["merchant_id"] for r in b}


def reference_tiers(root: Path) -> dict[str, tuple[int, float, float, dict]]:
    """Tiers as of 2026-10-31 under the generator's documented reading of violation-scoring.md."""
    _, _, loaded = check_tree(root)

    def latest(source, key):
        best = {}
        for _, p, _ in loaded[source]:
            k = tuple(p[c] for c in key)
            if k not in best or p["updated_at"] > best[k]["updated_at"]:
                best[k] = p
        return best

    mvers = defaultdict(list)
    for _, p, _ in loaded["merchants"]:
        mvers[p["merchant_id"]].append(p)
    for v in mvers.values():
        v.sort(key=lambda p: p["updated_at"])
    orders, comps, refunds = (latest("orders", ("order_id", "line_no")), latest("complaints", ("complaint_id",)),
                              latest("refunds", ("refund_id",)))
    gen, ser, why = defaultdict(float), defaultdict(float), defaultdict(lambda: defaultdict(float))

    def add(m, typ, pts, serious):
        (ser if serious else gen)[m] += pts
        why[m][typ] += pts

    serious_pts = {"counterfeit": 12, "data_leak": 12, "price_fraud": 6, "fake_discount": 6, "review_removed": 6}
    for c in comps.values():
        if c["substantiated"] and c["status"] == "resolved":
            if c["issue_code"] in serious_pts:
                add(c["merchant_id"], c["issue_code"], serious_pts[c["issue_code"]], True)
            elif c["issue_code"] in ("quality_defect", "not_as_described"):
                add(c["merchant_id"], "quality", 2, False)
    by_sku = defaultdict(list)
    for o in orders.values():
        in_force = [v for v in mvers.get(o["merchant_id"], []) if v["updated_at"] <= o["ordered_at"]]
        if in_force and in_force[-1]["license_expires_on"] and o["ordered_at"].date() > in_force[-1]["license_expires_on"]:
            add(o["merchant_id"], "expired_licence", 6, True)
        by_sku[(o["merchant_id"], o["sku_id"])].append(o)
    for r in refunds.values():
        o = orders.get((r["order_id"], r["line_no"]))
        if (r["reason"] == "no_reason_7day" and r["decision"] == "rejected" and o and not o["nrr_exempt"]
                and r["requested_at"].date() <= o["delivered_at"].date() + timedelta(days=7)):
            add(r["merchant_id"], "nrr_refusal", 6, True)
        if r["return_received_at"] and r["refunded_at"]:
            days = (r["refunded_at"] - r["return_received_at"]) / timedelta(days=1)
            if days > 7:
                add(r["merchant_id"], "late_refund", 4 if days > 15 else 2, False)
    fake = defaultdict(int)
    for (m, _), lines in by_sku.items():
        for o in lines:
            if o["list_price"] is None:
                continue
            d = o["ordered_at"].date()
            prior = [x["unit_price"] for x in lines if d - timedelta(days=7) <= x["ordered_at"].date() < d]
            before = sorted((x["ordered_at"], x["unit_price"]) for x in lines if x["ordered_at"].date() < d)
            ref = min(prior) if prior else (before[-1][1] if before else None)
            if ref is not None and o["list_price"] > ref:
                fake[(m, d.strftime("%Y-%m"))] += 2
    for (m, _), pts in fake.items():
        add(m, "fake_price", min(pts, 12), False)
    start = date(2026, 8, 3)
    win, lsr_n, lsr_late, defects, n_comp = defaultdict(set), defaultdict(int), defaultdict(int), defaultdict(set), defaultdict(int)
    for o in orders.values():
        if o["ordered_at"].date() >= start:
            win[o["merchant_id"]].add(o["order_id"])
        p = o["promised_ship_by"]
        if p and p.date() >= start and o["order_status"] != "cancelled" and not (o["shipped_at"] is None and p > CUTOFF):
            lsr_n[o["merchant_id"]] += 1
            lsr_late[o["merchant_id"]] += (o["shipped_at"] or CUTOFF) > p
    for c in comps.values():
        if c["substantiated"] and c["order_id"]:
            defects[c["merchant_id"]].add(c["order_id"])
        if c["received_at"].date() >= start:
            n_comp[c["merchant_id"]] += 1
    for r in refunds.values():
        if r["decision"] == "approved" and r["reason"] in ("quality", "not_as_described", "not_received", "damaged"):
            defects[r["merchant_id"]].add(r["order_id"])
    scored = {m: len(win[m]) for m in mvers if len(win[m]) >= 30}
    cpt = {m: n_comp[m] * 1000 / n for m, n in scored.items()}
    category = {m: v[-1]["category"] for m, v in mvers.items()}
    median = {c: statistics.median([v for m, v in cpt.items() if category[m] == c]) for c in {category[m] for m in cpt}}
    for m, n in scored.items():
        if len(defects[m] & win[m]) / n >= 0.01:
            add(m, "order_defect_rate", 4, False)
        if lsr_n[m] and lsr_late[m] / lsr_n[m] >= 0.04:
            add(m, "late_shipment_rate", 4, False)
        if cpt[m] > 3 * median[category[m]]:
            add(m, "complaints_per_1000_orders", 4, False)

    def tier(g, s):
        return max(next((t for t, lim in ((3, 36), (2, 24), (1, 12)) if g >= lim), 0),
                   next((t for t, lim in ((4, 48), (3, 24), (2, 12), (1, 0.5)) if s >= lim), 0))

    return {m: (tier(gen[m], ser[m]), gen[m], ser[m], dict(why[m])) for m in mvers}


@pytest.mark.parametrize("tree", ["default_tree", "second_seed_tree"])
def test_planted_patterns_land_on_their_tier(tree, request):
    root = request.getfixturevalue(tree)
    tiers = reference_tiers(root)
    truth = {r["merchant_id"]: r for r in _truth(root, "merchant_patterns.csv")}
    for m, r in truth.items():
        assert tiers[m][0] == int(r["expected_tier"]), (r["pattern"], tiers[m])
    for m, (t, g, _, why) in tiers.items():
        if m not in truth:
            assert t == 0 and g < 12, (m, why)  # background merchants stay clear
    expected_types = {"serious_counterfeit": "counterfeit", "serious_data_leak": "data_leak",
                      "serious_expired_licence": "expired_licence", "serious_nrr_refusal": "nrr_refusal",
                      "fake_original_price": "fake_price", "late_shipment_breach": "late_shipment_rate",
                      "odr_breach": "order_defect_rate", "late_refunds": "late_refund"}
    for m, r in truth.items():
        if r["pattern"] in expected_types:
            assert expected_types[r["pattern"]] in tiers[m][3], (r["pattern"], tiers[m])


# --------------------------------------------------------------------------- KPI edge cases
def test_kpi_edges_are_what_they_claim(default_tree):
    _, _, loaded = check_tree(default_tree)
    latest: dict[tuple[str, str], dict] = {}
    for source, key in (("complaints", "complaint_id"), ("refunds", "refund_id")):
        for _, p, _ in loaded[source]:
            k = (source, p[key])
            if k not in latest or p["updated_at"] > latest[k]["updated_at"]:
                latest[k] = p
    lines = {}
    for _, p, _ in loaded["orders"]:
        k = f"{p['order_id']}:{p['line_no']}"
        if k not in lines or p["updated_at"] > lines[k]["updated_at"]:
            lines[k] = p
    edges = {(r["case"], r["source"]): r["record_id"] for r in _truth(default_tree, "kpi_edges.csv")}

    def c(case):
        return latest[("complaints", edges[(case, "complaints")])]

    def r(case):
        return latest[("refunds", edges[(case, "refunds")])]

    e = c("complaint_first_response_exactly_24h")
    assert e["first_response_at"] - e["received_at"] == timedelta(hours=24)
    e = c("complaint_pending_overdue_at_cutoff")
    assert e["first_response_at"] is None and e["received_at"] + timedelta(hours=24) < CUTOFF
    e = c("complaint_pending_within_deadline_at_cutoff")
    assert e["first_response_at"] is None and e["received_at"] + timedelta(hours=24) > CUTOFF
    assert r("refund_paid_7_days_after_return")["refunded_at"] - r("refund_paid_7_days_after_return")[
        "return_received_at"] == timedelta(days=7)
    assert r("refund_paid_8_days_after_return")["refunded_at"] - r("refund_paid_8_days_after_return")[
        "return_received_at"] == timedelta(days=8)
    for case, day in (("nrr_request_day7_after_delivery", 7), ("nrr_request_day8_after_delivery", 8)):
        ref = r(case)
        line = lines[f"{ref['order_id']}:{ref['line_no']}"]
        assert (ref["requested_at"].date() - line["delivered_at"].date()).days == day
        assert ref["reason"] == "no_reason_7day" and ref["decision"] == "rejected" and not line["nrr_exempt"]
    assert lines[edges[("nrr_exempt_line", "orders")]]["nrr_exempt"] is True
    unverifiable = lines[edges[("fake_price_unverifiable_no_prior_line", "orders")]]
    assert unverifiable["list_price"] is not None
    assert not [p for p in lines.values() if p["merchant_id"] == unverifiable["merchant_id"]
                and p["sku_id"] == unverifiable["sku_id"] and p["ordered_at"] < unverifiable["ordered_at"]]
    assert "<script>" in c("description_script_tag")["description"]


def test_rerun_into_same_folder_replaces_previous_output(tmp_path):
    generate(tmp_path, orders=3_000, seed=1)
    stray = tmp_path / "complaints" / "2026-10-26" / "notes.txt"  # not ours: must survive
    stray.write_text("keep me", encoding="utf-8")
    first = set(_digest(tmp_path))
    summary = generate(tmp_path, orders=300, seed=3)
    written = {f["path"] for f in summary["files"]}
    on_disk = {p for p in _digest(tmp_path) if not p.startswith("_truth/")}
    assert on_disk == written | {"complaints/2026-10-26/notes.txt"}
    assert first - set(_digest(tmp_path))  # files only the larger run had are gone
