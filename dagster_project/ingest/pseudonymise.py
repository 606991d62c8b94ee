"""Keyed pseudonymisation of personal data (consumer ids, phone numbers).

A plain hash of a phone number can be reversed by hashing every possible number, so the
warehouse uses HMAC-SHA256 with a secret key kept outside the repository and outside the
warehouse. The same clear value always maps to the same pseudonym (orders and complaints of one
consumer still join), while nobody without the key can recover or test a clear value.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import warnings
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from dagster_project.ingest.erasure_list import ERASED_MARKER, erasure_key
from dagster_project.state.secret_files import read_or_create_secret

KEY_ENV = "RW_PSEUDONYM_KEY"
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
MIN_KEY_BYTES = 16


def pseudonymise(value: str, key: bytes) -> str:
    """Hex HMAC-SHA256 of ``value`` (UTF-8) under ``key``; the value is hashed exactly as delivered."""
    return hmac.digest(key, value.encode("utf-8"), "sha256").hex()


def _is_blank(value: str | None) -> bool:
    return value is None or not value.strip()


class Pseudonymiser:
    """HMAC-SHA256 under one key, tuned for columns: the keyed inner and outer SHA-256 states are
    computed once and copied per value (about twice as fast as ``hmac.digest``), and recent results
    are remembered so a consumer appearing in many order lines is hashed once. Same output as
    ``pseudonymise``."""

    MAX_CACHE = 1_000_000

    def __init__(self, key: bytes, erased: frozenset[str] = frozenset()):
        """``erased``: erasure-list tags (ingest.erasure_list); a pseudonym on the list is replaced by
        the erasure marker in columns, so an erased person does not come back with a later file."""
        self._erased = erased
        self._erasure_key = erasure_key(key) if erased else b""
        block = hashlib.sha256().block_size
        padded = (hashlib.sha256(key).digest() if len(key) > block else key).ljust(block, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))
        self._cache: dict[str, str] = {}

    def __call__(self, value: str) -> str:
        hashed = self._cache.get(value)
        if hashed is None:
            inner = self._inner.copy()
            inner.update(value.encode("utf-8"))
            outer = self._outer.copy()
            outer.update(inner.digest())
            hashed = outer.hexdigest()
            if len(self._cache) >= self.MAX_CACHE:
                self._cache.clear()
            self._cache[value] = hashed
        return hashed

    def array(self, values: pa.Array | pa.ChunkedArray) -> pa.Array:
        """Pseudonymise a string column; missing (NULL, empty, blank) stays NULL.

        Each distinct value is hashed once (dictionary encoding), and no clear value is left in
        the result.
        """
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if len(values) == 0:
            return pa.array([], pa.string())
        encoded = pc.dictionary_encode(values.cast(pa.string()))
        hashed = pa.array(
            [None if _is_blank(v) else self._listed(self(v)) for v in encoded.dictionary.to_pylist()],
            pa.string(),
        )
        return pc.take(hashed, encoded.indices)

    def _listed(self, pseudonym: str) -> str:
        """The pseudonym, or the erasure marker when its person was erased."""
        if not self._erased:
            return pseudonym
        tag = hmac.digest(self._erasure_key, pseudonym.encode("utf-8"), "sha256").hex()
        return ERASED_MARKER if tag in self._erased else pseudonym


def _decode_key(text: str) -> bytes:
    """A key given as hex (even number of hex digits) is used as bytes, anything else as UTF-8 text."""
    text = text.strip()
    return bytes.fromhex(text) if _HEX.fullmatch(text) else text.encode("utf-8")


def load_or_create_key(settings) -> bytes:
    """The pseudonymisation key: ``RW_PSEUDONYM_KEY`` when set, else ``settings.key_file``.

    The key file is created on first use with 32 random bytes (hex) and mode 0600; it is created
    exclusively so two processes starting together cannot end up with different keys. Losing or
    changing the key breaks the link between old and new pseudonyms, so an existing file is never
    overwritten.
    """
    env = os.environ.get(KEY_ENV, "")
    key = _decode_key(env) if env.strip() else _key_from_file(Path(settings.key_file))
    if len(key) < MIN_KEY_BYTES:
        warnings.warn(
            f"pseudonymisation key is only {len(key)} bytes; use at least {MIN_KEY_BYTES} random bytes",
            stacklevel=2,
        )
    return key


def _key_from_file(path: Path) -> bytes:
    return _decode_key(read_or_create_secret(path, "pseudonymisation"))
