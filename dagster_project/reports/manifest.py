"""The signed manifest of a report folder, and its verification by anyone holding the public key.

``manifest.json`` lists every file of the report with its SHA-256 and size, the period, the data
cut-off, the configuration in force, the run id and the data-quality attestation. ``signature`` is
an Ed25519 signature over the canonical JSON of everything else (sorted keys, no spaces, UTF-8).

Why Ed25519 and not a shared secret: a regulator must be able to check a report on their own machine
without being able to forge one. The platform keeps the private key (``RW_REPORT_SIGNING_KEY``, or a
random key generated on first use beside the warehouse, ``<stem>.report-ed25519.key``, mode 0600) and
publishes the public key (``rightswatch report public-key --out FILE``). Verification needs only the
report folder and that PEM file: it reads no settings and writes nothing.

Parsing is strict because the signature only protects what the verifier reads: a manifest with a
duplicated JSON key (a forged ``cutoff_local`` before the signed one), a value of the wrong type, a
field nobody signs for, or a file list that does not match the folder is rejected with a message
naming the problem, never a traceback.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from dagster_project.state.secret_files import read_or_create_secret

MANIFEST_NAME = "manifest.json"
FORMAT = "rightswatch-report/2"
ALGORITHM = "Ed25519"
KEY_ENV = "RW_REPORT_SIGNING_KEY"

_STR = (str,)
_OPT_STR = (str, type(None))
# Every top-level field of a manifest and the JSON types it may hold. ``write_manifest`` checks its own
# output against this too, so a field added to the report without being declared here fails the build.
FIELDS: dict[str, tuple[type, ...]] = {
    "format": _STR, "period": _STR, "period_kind": _STR, "period_start": _STR, "period_end": _STR,
    "kpi_month": _STR, "language": _STR, "cutoff_at_utc": _OPT_STR, "cutoff_local": _OPT_STR,
    "reporting_tz": _STR, "generated_at_utc": _STR, "run_id": _STR, "source": _STR,
    "configuration": (dict,), "data_quality": (dict,), "files": (list,), "signature": (dict,),
}
FILE_FIELDS = {"path": str, "sha256": str, "bytes": int}
SIGNATURE_FIELDS = {"algorithm": str, "key_id": str, "value": str}
_SHA256 = re.compile(r"[0-9a-f]{64}")


class ManifestError(ValueError):
    """A key or manifest that cannot be used; the message says which file and why."""


# ---------------------------------------------------------------------------------------------- keys

def _private_key_from_text(text: str, origin: str) -> Ed25519PrivateKey:
    """A private key from 64 hex digits (a raw 32-byte seed) or a PKCS#8 PEM block."""
    text = text.strip()
    if re.fullmatch(r"[0-9a-fA-F]{64}", text):
        return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(text))
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
        except (ValueError, TypeError) as exc:
            raise ManifestError(f"{origin}: not a readable PEM private key ({exc})") from None
        if isinstance(key, Ed25519PrivateKey):
            return key
        raise ManifestError(f"{origin}: the PEM key is not an Ed25519 key")
    raise ManifestError(f"{origin}: expected an Ed25519 private key as 64 hex digits or a PEM block")


def signing_key_file(warehouse: Path) -> Path:
    return Path(warehouse).with_name(Path(warehouse).stem + ".report-ed25519.key")


def signing_key(warehouse: Path, *, create: bool = True) -> Ed25519PrivateKey:
    """The platform's private signing key: ``RW_REPORT_SIGNING_KEY``, else the key file beside the warehouse.

    ``create=False`` is for checking only: a missing key is an error, never a new key (a new key
    could only ever say "signed with another key").
    """
    configured = os.environ.get(KEY_ENV)
    if configured:
        return _private_key_from_text(configured, KEY_ENV)
    key_file = signing_key_file(warehouse)
    if not create and not key_file.exists():
        raise ManifestError(f"no platform signing key at {key_file} (and {KEY_ENV} is unset): verify with "
                            "--public-key FILE, the public key the platform gave you")
    return _private_key_from_text(read_or_create_secret(key_file, "report signing"), str(key_file))


def public_key_pem(private_key: Ed25519PrivateKey) -> bytes:
    """The public half as a standard SubjectPublicKeyInfo PEM (readable by OpenSSL and any Ed25519 tool)."""
    return private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public_key(path: Path) -> Ed25519PublicKey:
    """The Ed25519 public key in a PEM file; ManifestError naming the file when it is not one."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read the public key ({exc.strerror or exc})") from None
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        raise ManifestError(f"{path}: not a PEM public key (expected the file written by "
                            "`rightswatch report public-key --out FILE`)") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ManifestError(f"{path}: the public key is not an Ed25519 key")
    return key


def key_id(public_key: Ed25519PublicKey) -> str:
    """Names the key pair (so a verifier can tell which public key a report needs)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


# ------------------------------------------------------------------------------------------ writing

def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def canonical(manifest: dict[str, Any]) -> bytes:
    body = {k: v for k, v in manifest.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def sign(manifest: dict[str, Any], private_key: Ed25519PrivateKey) -> dict[str, Any]:
    signed = dict(manifest)
    signed["signature"] = {
        "algorithm": ALGORITHM,
        "key_id": key_id(private_key.public_key()),
        "value": base64.b64encode(private_key.sign(canonical(manifest))).decode("ascii"),
    }
    return signed


def _report_files(report_dir: Path) -> list[Path]:
    return sorted(p for p in report_dir.rglob("*") if p.is_file() and p.name != MANIFEST_NAME)


def list_files(report_dir: Path) -> list[dict[str, Any]]:
    return [{"path": path.relative_to(report_dir).as_posix(), "sha256": file_sha256(path),
             "bytes": path.stat().st_size} for path in _report_files(report_dir)]


def write_manifest(report_dir: Path, manifest: dict[str, Any], private_key: Ed25519PrivateKey) -> dict[str, Any]:
    signed = sign({**manifest, "format": FORMAT, "files": list_files(report_dir)}, private_key)
    problems = schema_problems(signed)
    if problems:
        raise ManifestError("refusing to write a manifest that its own verifier would reject: "
                            + "; ".join(problems))
    (report_dir / MANIFEST_NAME).write_text(
        json.dumps(signed, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n",
        encoding="utf-8")
    return signed


def manifest_sha256(report_dir: Path) -> str:
    return file_sha256(report_dir / MANIFEST_NAME)


# ------------------------------------------------------------------------------------------ reading

def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ManifestError(f"duplicate key {key!r} (a second value could hide the signed one)")
        seen[key] = value
    return seen


def _reject_constant(name: str) -> Any:
    raise ManifestError(f"{name} is not valid JSON")


def load_manifest(report_dir: Path) -> dict[str, Any]:
    """The manifest as JSON strictly parsed (no duplicate keys, no NaN); ManifestError otherwise."""
    path = Path(report_dir) / MANIFEST_NAME
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ManifestError(f"{path}: no manifest") from None
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant)
    except ManifestError as exc:
        raise ManifestError(f"{path}: {exc}") from None
    except (ValueError, RecursionError) as exc:
        raise ManifestError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: expected a JSON object, found {type(data).__name__}")
    return data


def _type_name(types: tuple[type, ...]) -> str:
    names = {str: "string", dict: "object", list: "array", int: "integer", type(None): "null"}
    return " or ".join(names.get(t, t.__name__) for t in types)


def _is(value: Any, types: tuple[type, ...]) -> bool:
    # JSON true/false are Python bools, which are ints: never accept them as numbers
    return isinstance(value, types) and not (isinstance(value, bool) and bool not in types)


def schema_problems(manifest: dict[str, Any]) -> list[str]:
    """Every field that is missing, unexpected or of the wrong type, as ``manifest.json: ...`` lines."""
    problems = []
    for name in sorted(set(FIELDS) - set(manifest)):
        problems.append(f"manifest.json: field {name!r} is missing")
    for name in sorted(set(manifest) - set(FIELDS)):
        problems.append(f"manifest.json: field {name!r} is not part of a RightsWatch manifest")
    for name, types in FIELDS.items():
        if name in manifest and not _is(manifest[name], types):
            problems.append(f"manifest.json: field {name!r} must be {_type_name(types)}, "
                            f"found {type(manifest[name]).__name__}")
    if manifest.get("format") not in (None, FORMAT) and isinstance(manifest.get("format"), str):
        problems.append(f"manifest.json: format {manifest['format']!r} is not {FORMAT!r}")
    records = [("signature", manifest.get("signature"), SIGNATURE_FIELDS)]
    if isinstance(manifest.get("files"), list):
        records += [(f"files[{i}]", entry, FILE_FIELDS) for i, entry in enumerate(manifest["files"])]
    for label, entry, fields in records:
        if isinstance(entry, dict):
            problems += _record_problems(label, entry, fields)
        elif label != "signature":  # a signature of the wrong type was reported above
            problems.append(f"manifest.json: {label} must be an object")
    return problems


def _record_problems(label: str, entry: dict[str, Any], fields: dict[str, type]) -> list[str]:
    problems = []
    if set(entry) != set(fields):
        problems.append(f"manifest.json: {label} must have exactly the fields {sorted(fields)}, "
                        f"found {sorted(entry)}")
    for name, typ in fields.items():
        if name in entry and not _is(entry[name], (typ,)):
            problems.append(f"manifest.json: {label}.{name} must be {_type_name((typ,))}")
    if fields is FILE_FIELDS:
        if isinstance(entry.get("sha256"), str) and not _SHA256.fullmatch(entry["sha256"]):
            problems.append(f"manifest.json: {label}.sha256 is not 64 lower-case hex digits")
        if _is(entry.get("bytes"), (int,)) and entry["bytes"] < 0:
            problems.append(f"manifest.json: {label}.bytes is negative")
    return problems


def _signature_problems(manifest: dict[str, Any], public_key: Ed25519PublicKey) -> list[str]:
    signature = manifest["signature"]
    if signature["algorithm"] != ALGORITHM:
        return [f"manifest.json: signature algorithm {signature['algorithm']!r}, expected {ALGORITHM!r}"]
    try:
        value = base64.b64decode(signature["value"], validate=True)
    except (binascii.Error, ValueError):
        return ["manifest.json: signature value is not base64"]
    try:
        public_key.verify(value, canonical(manifest))
    except InvalidSignature:
        if signature["key_id"] != key_id(public_key):
            return [f"manifest.json: signed with another key (key id {signature['key_id']}, "
                    f"this public key is {key_id(public_key)})"]
        return ["manifest.json: signature does not match its content (manifest changed)"]
    return []


def _file_problems(report_dir: Path, entries: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    listed: set[str] = set()
    for entry in entries:
        rel = entry["path"]
        if rel in listed:
            problems.append(f"{rel}: listed twice in the manifest")
            continue
        listed.add(rel)
        parts = Path(rel).parts
        if not rel or Path(rel).is_absolute() or ".." in parts or "\\" in rel or rel == MANIFEST_NAME:
            problems.append(f"{rel!r}: path outside the report folder")
            continue
        file = report_dir / rel
        if not file.is_file():
            problems.append(f"{rel}: missing")
            continue
        size = file.stat().st_size
        if size != entry["bytes"]:
            problems.append(f"{rel}: size {size} bytes, manifest says {entry['bytes']}")
        if file_sha256(file) != entry["sha256"]:
            problems.append(f"{rel}: SHA-256 differs from the manifest (file changed)")
    for file in _report_files(report_dir):
        rel = file.relative_to(report_dir).as_posix()
        if rel not in listed:
            problems.append(f"{rel}: not listed in the manifest")
    return problems


def verify(report_dir: Path, public_key: Ed25519PublicKey) -> list[str]:
    """Everything wrong with a report folder; an empty list means it is intact and genuinely signed.

    Reads only ``report_dir``; writes nothing. The file list is compared with the folder only once
    the manifest is well formed, so a malformed manifest is reported as such and not as a crash.
    """
    report_dir = Path(report_dir)
    if not report_dir.is_dir():
        return [f"{report_dir}: not a folder"]
    try:
        manifest = load_manifest(report_dir)
    except ManifestError as exc:
        return [str(exc)]
    problems = schema_problems(manifest)
    if problems:
        return problems
    return _signature_problems(manifest, public_key) + _file_problems(report_dir, manifest["files"])
