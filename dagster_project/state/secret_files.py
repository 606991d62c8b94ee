"""Keys RightsWatch generates for itself and keeps beside the warehouse (pseudonymisation, report signing).

A key file is created on first use with 32 random bytes (hex), mode 0600, and exclusively, so two
processes starting together cannot end up with different keys. An existing file is never
overwritten: changing a key breaks old pseudonyms or old report signatures.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def read_or_create_secret(path: Path, purpose: str) -> str:
    """The key text in ``path``, creating the file with a random key when it does not exist."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it meanwhile: use theirs
        else:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_hex(32) + "\n")
    text = path.read_text(encoding="utf-8").strip()
    if not text:
        raise ValueError(f"{purpose} key file {path} is empty; restore it or remove it deliberately")
    return text
