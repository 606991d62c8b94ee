"""The signed manifest of a report folder, and its verification.

``manifest.json`` lists every file of the report with its SHA-256 and size, the period, the data
cut-off, the configuration in force, the run id and the data-quality attestation. ``signature`` is
an HMAC-SHA256 over the canonical JSON of everything else (sorted keys, no spaces, UTF-8), keyed by
``RW_REPORT_SIGNING_KEY`` or, when that is unset, by a random key generated on first use and kept
beside the warehouse (``<stem>.report.key``), never in the repository.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import Any

from dagster_project.secret_files import read_or_create_secret

MANIFEST_NAME = "manifest.json"
FORMAT = "rightswatch-report/1"


def signing_key(warehouse: Path) -> bytes:
    configured = os.environ.get("RW_REPORT_SIGNING_KEY")
    if configured:
        return configured.encode("utf-8")
    key_file = warehouse.with_name(warehouse.stem + ".report.key")
    return read_or_create_secret(key_file, "report signing").encode("utf-8")


def key_id(key: bytes) -> str:
    """Names the key without revealing it (so a verifier knows which key to ask for)."""
    return hashlib.sha256(b"rightswatch-key-id:" + key).hexdigest()[:16]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def canonical(manifest: dict[str, Any]) -> bytes:
    body = {k: v for k, v in manifest.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(manifest: dict[str, Any], key: bytes) -> dict[str, Any]:
    signed = dict(manifest)
    signed["signature"] = {
        "algorithm": "HMAC-SHA256",
        "key_id": key_id(key),
        "value": hmac.new(key, canonical(manifest), hashlib.sha256).hexdigest(),
    }
    return signed


def list_files(report_dir: Path) -> list[dict[str, Any]]:
    files = []
    for path in sorted(p for p in report_dir.rglob("*") if p.is_file() and p.name != MANIFEST_NAME):
        files.append({"path": path.relative_to(report_dir).as_posix(), "sha256": file_sha256(path),
                      "bytes": path.stat().st_size})
    return files


def write_manifest(report_dir: Path, manifest: dict[str, Any], key: bytes) -> dict[str, Any]:
    signed = sign({**manifest, "format": FORMAT, "files": list_files(report_dir)}, key)
    (report_dir / MANIFEST_NAME).write_text(
        json.dumps(signed, sort_keys=True, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return signed


def manifest_sha256(report_dir: Path) -> str:
    return file_sha256(report_dir / MANIFEST_NAME)


def verify(report_dir: Path, key: bytes) -> list[str]:
    """Everything wrong with a report folder; an empty list means it is intact and genuinely signed."""
    report_dir = Path(report_dir)
    path = report_dir / MANIFEST_NAME
    if not path.is_file():
        return [f"{path}: no manifest"]
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        return [f"{path}: not valid JSON ({exc})"]
    problems: list[str] = []
    listed = set()
    for entry in manifest.get("files", []):
        rel = entry.get("path", "")
        listed.add(rel)
        file = report_dir / rel
        if ".." in Path(rel).parts or Path(rel).is_absolute():
            problems.append(f"{rel}: path outside the report folder")
            continue
        if not file.is_file():
            problems.append(f"{rel}: missing")
            continue
        size = file.stat().st_size
        if size != entry.get("bytes"):
            problems.append(f"{rel}: size {size} bytes, manifest says {entry.get('bytes')}")
        if file_sha256(file) != entry.get("sha256"):
            problems.append(f"{rel}: SHA-256 differs from the manifest (file changed)")
    for file in sorted(p for p in report_dir.rglob("*") if p.is_file() and p.name != MANIFEST_NAME):
        rel = file.relative_to(report_dir).as_posix()
        if rel not in listed:
            problems.append(f"{rel}: not listed in the manifest")
    signature = manifest.get("signature") or {}
    if signature.get("algorithm") != "HMAC-SHA256" or not signature.get("value"):
        problems.append("manifest.json: no HMAC-SHA256 signature")
    else:
        expected = hmac.new(key, canonical(manifest), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, str(signature["value"])):
            if signature.get("key_id") != key_id(key):
                problems.append(f"manifest.json: signed with another key (key id {signature.get('key_id')}, "
                                f"this key is {key_id(key)})")
            else:
                problems.append("manifest.json: signature does not match its content (manifest changed)")
    return problems
