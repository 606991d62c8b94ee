"""``generate()``: write a complete, reproducible landing tree plus the truth the tests judge against."""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from .bad_rows import Factory
from .calendar import CUTOFF, DELIVERY_DATES
from .deliveries import Router
from .orders import OrderGenerator
from .patterns import build_roster, pattern_truth
from .privacy import completed_deletions, expected_kpis, make_requests

DEFAULT_ORDER_LINES = 30_000
DEFAULT_SEED = 20261123


class _MerchantRecord:
    """Adapts a merchant's versions to the router's record interface."""

    def __init__(self, versions: list[dict]):
        self.versions = versions

    def event_times(self):
        return [v["updated_at"] for v in self.versions]

    def row(self, i: int) -> dict:
        return dict(self.versions[i])


def _write_csv(path: Path, header: list[str], rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def _remove_previous_output(out: Path) -> None:
    """Delete the delivery files a previous run listed in its summary (and nothing else).

    A smaller run may have no file for a quiet day; a stale file from an earlier, larger run would
    otherwise be ingested with the new one. Only files the generator itself wrote are touched.
    """
    previous = out / "_truth" / "summary.json"
    if not previous.is_file():
        return
    try:
        listed = [f["path"] for f in json.loads(previous.read_text(encoding="utf-8")).get("files", [])]
    except (ValueError, TypeError, KeyError):
        return
    root = out.resolve()
    for rel in listed:
        path = (out / rel).resolve()
        if root in path.parents and path.is_file():
            path.unlink()


def generate(out: Path, orders: int = DEFAULT_ORDER_LINES, seed: int = DEFAULT_SEED,
             progress: Callable[[str], None] | None = None) -> dict:
    """Write deliveries for 2026-10-25 … 2026-10-31 under ``out`` and the truth under ``out/_truth``.

    ``orders`` is the number of ordinary order lines over the whole history (planted lines come on
    top). The same ``seed`` and ``orders`` always give byte-identical files. Returns the summary that
    is also written to ``out/_truth/summary.json``.
    """
    if orders < 0:
        raise ValueError("orders must be >= 0")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _remove_previous_output(out)
    roster = build_roster(seed)
    router = Router(out, seed, Factory(seed, roster.background), progress)

    for m in roster.merchants:
        router.emit("merchants", _MerchantRecord(m.versions()))
    edges: list[tuple[str, str, str]] = []
    gen = OrderGenerator(seed, roster, orders, router, edges)
    requests, planted_pii = make_requests(seed, gen.consumer_pool)
    for request in requests:
        router.emit("privacy_requests", request)
    gen.run(after_day=router.close_through)
    files = router.close()

    truth = out / "_truth"
    bad = sorted(router.bad, key=lambda r: (r[1], r[0], r[2], r[3]))
    soft = sorted(router.soft, key=lambda r: (r[1], r[0], r[2], r[3]))
    _write_csv(truth / "bad_rows.csv", ["source", "delivery_date", "file_name", "line", "rule"], bad)
    _write_csv(truth / "soft_flags.csv", ["source", "delivery_date", "file_name", "line", "flag"], soft)
    patterns = pattern_truth(roster)
    _write_csv(truth / "merchant_patterns.csv", ["merchant_id", "pattern", "expected_tier"], patterns)
    _write_csv(truth / "kpi_edges.csv", ["case", "source", "record_id"], sorted(edges))
    _write_csv(truth / "privacy_kpis.csv", ["month", "kpi_code", "numerator", "denominator", "pending_count"],
               expected_kpis(requests))
    _write_csv(truth / "privacy_planted.csv", ["request_id", "case"],
               sorted((r.request_id, r.planted) for r in requests if r.planted))
    _write_csv(truth / "privacy_erasures.csv", ["request_id", "consumer_id"], completed_deletions(requests))
    _write_csv(truth / "hidden_pii.csv", ["value"], sorted({(v,) for v in planted_pii}))

    rows_per_source: Counter[str] = Counter()
    for f in files:
        rows_per_source[f["source"]] += f["rows"]
    summary = {
        "seed": seed,
        "order_lines_requested": orders,
        "delivery_dates": [d.isoformat() for d in DELIVERY_DATES],
        "cutoff_local": CUTOFF.isoformat(),
        "files_written": len(files),
        "files": files,
        "rows_per_source": dict(sorted(rows_per_source.items())),
        "rows": dict(sorted(rows_per_source.items())),  # same counts, the name the CLI prints
        "records": dict(sorted(gen.counts.items())) | {"merchants": len(roster.merchants),
                                                       "privacy_requests": len(requests)},
        "bad_rows_total": len(bad),
        "bad_rows_per_rule": dict(sorted(Counter(r[4] for r in bad).items())),
        "soft_flags_total": len(soft),
        "soft_flags_per_flag": dict(sorted(Counter(r[4] for r in soft).items())),
        "merchant_patterns": len(patterns),
        "expected_tiers": dict(sorted(Counter(str(p[2]) for p in patterns).items())),
        "kpi_edges": len(edges),
    }
    (truth / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if progress:
        progress(f"wrote _truth/ ({len(bad)} bad rows, {len(soft)} soft flags, {len(patterns)} patterns)")
    return summary
