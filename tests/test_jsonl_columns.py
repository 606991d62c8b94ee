"""JSONL records become string columns in bulk (Arrow) when it can type them, value by value when not;
both ways must give the same text, so a file's columns never depend on which way a chunk took."""

from __future__ import annotations

import pyarrow as pa

from dagster_project.ingest.readers import JsonlReader, _string_columns


def _reference(records: list[dict], names: list[str]) -> dict[str, list]:
    """What the contract says a value is: its text, true/false as text, null for absent or null."""
    def text(v):
        return None if v is None else ("true" if v else "false") if isinstance(v, bool) else v
    return {n: [text(r.get(n)) for r in records] for n in names}


def _as_lists(columns: dict[str, pa.Array]) -> dict[str, list]:
    assert all(col.type == pa.string() for col in columns.values())
    return {n: col.to_pylist() for n, col in columns.items()}


def test_bool_columns_are_typed_by_arrow_and_read_as_text():
    records = [{"id": "C1", "ok": True, "amount": "12.50"}, {"id": "C2", "ok": False}, {"id": "C3", "ok": None}, {}]
    names = ["id", "ok", "amount", "only_in_an_earlier_chunk"]
    assert _as_lists(_string_columns([dict(r) for r in records], names)) == _reference(records, names)


def test_a_column_mixing_text_and_booleans_reads_the_same_value_by_value():
    records = [{"ok": "yes", "id": "C1"}, {"ok": True, "id": "C2"}, {"ok": False}]
    names = ["ok", "id"]
    assert _as_lists(_string_columns([dict(r) for r in records], names)) == _reference(records, names)


def test_reader_output_is_the_same_whichever_way_a_chunk_goes(tmp_path):
    """Two files, one all-Arrow (booleans only) and one forced value by value (a text 'true' beside a
    JSON true): the same records must read identically, with their lines and a nested value's problem."""
    common = ['{"complaint_id": "C1", "substantiated": true, "amount": 1.50}', "",
              '{"complaint_id": "C2", "substantiated": false, "extra": {"k": [1]}}',
              '{"complaint_id": "C3", "substantiated": null}']
    fast = tmp_path / "fast.jsonl"
    exact = tmp_path / "exact.jsonl"
    fast.write_text("\n".join(common) + "\n", encoding="utf-8")
    exact.write_text("\n".join([*common, '{"complaint_id": "C4", "substantiated": "true"}']) + "\n", encoding="utf-8")

    def read(path):
        reader = JsonlReader(path=path, compressed=False, redact=lambda s: "x")
        reader.open()
        return pa.concat_tables(list(reader.batches())).to_pydict()

    got_fast, got_exact = read(fast), read(exact)
    assert got_fast["__rw_line"] == [1, 3, 4]
    assert got_fast["substantiated"] == ["true", "false", None]
    assert got_fast["amount"] == ["1.50", None, None]  # a number stays as delivered
    assert got_fast["extra"] == [None, '{"k": ["1"]}', None]
    assert got_fast["__rw_rule"] == [None, "type_invalid", None]
    assert {k: v[:3] for k, v in got_exact.items()} == got_fast
    assert got_exact["substantiated"][3] == "true"


def test_reader_bench_counts_every_record_of_a_file(tmp_path):
    """`python -m dagster_project.ingest.bench --read FILE` (how the docs time JSONL) reads every record."""
    from dagster_project.ingest.bench import read_only

    path = tmp_path / "complaints.jsonl"
    path.write_text('{"a": 1}\n\n{"a": true}\nnot json\n', encoding="utf-8")
    assert read_only(path).startswith("complaints.jsonl: 3 records read in ")
