"""Sample-data generator for RightsWatch (``rightswatch generate``).

Writes a landing tree exactly as the landing contract describes (``<out>/<source>/<YYYY-MM-DD>/``),
with every file format, a small known share of bad rows of every kind, planted merchant violation
patterns and KPI edge cases, and the truth about all of it in ``<out>/_truth/``. Output is
byte-identical for the same seed and size and is streamed, so memory does not grow with size.

Modules: calendar (fixed delivery calendar), licence (GB 32100-2015 codes), merchants (roster),
patterns (planted behaviour and expected tiers), orders / complaints / refunds (records and their
versions), bad_rows (planted contract violations), writers (CSV/JSONL/Parquet, gzip), deliveries
(file layout and routing of versions into delivery windows), generator (``generate``).
"""

from .generator import DEFAULT_ORDER_LINES, DEFAULT_SEED, generate
from .licence import make_uscc, uscc_is_valid

__all__ = ["DEFAULT_ORDER_LINES", "DEFAULT_SEED", "generate", "make_uscc", "uscc_is_valid"]
