"""A regulator checks a report with nothing but the folder and the platform's public key; forged,
malformed or padded manifests are refused with a message, never a traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_reports_support import make_marts

from dagster_project.cli import main
from dagster_project.reports import manifest as mf
from dagster_project.reports.build import build_report
from dagster_project.reports.periods import parse_period

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    """One report built and signed on the platform, and the exported public key."""
    root = tmp_path_factory.mktemp("platform")
    with pytest.MonkeyPatch.context() as mp:
        for name in [n for n in os.environ if n.startswith("RW_")]:
            mp.delenv(name)
        mp.setenv("RW_WAREHOUSE", str(make_marts(root / "warehouse" / "rightswatch.duckdb")))
        mp.setenv("RW_REPORTS", str(root / "reports"))
        folder = build_report(parse_period("2026-01"), lang="en").report_dir
        assert main(["report", "public-key", "--out", str(root / "platform-public.pem")]) == 0
    return folder, root / "platform-public.pem"


@pytest.fixture
def report(platform, tmp_path):
    """A private copy of the signed report, as the regulator received it."""
    folder, public_key = platform
    copy = tmp_path / "received" / folder.name
    shutil.copytree(folder, copy)
    return copy, public_key


def _tree(*roots: Path) -> set[str]:
    return {str(p) for root in roots for p in root.rglob("*")}


def _regulator_verify(folder: Path, public_key: Path | None, tmp_path: Path) -> subprocess.CompletedProcess:
    """``rightswatch report verify`` as on a clean account: empty HOME, no RW_* variables, cwd elsewhere."""
    home = tmp_path / "home"
    work = tmp_path / "cwd"
    home.mkdir(exist_ok=True)
    work.mkdir(exist_ok=True)
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "PYTHONPATH": str(PROJECT_ROOT),
           "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8"}
    key_args = ["--public-key", str(public_key)] if public_key else []
    key_dir = public_key.parent if public_key else work
    before = _tree(home, work, folder, key_dir)
    data_dir = PROJECT_ROOT / "data"  # where settings would put a warehouse and its keys by default
    data_before = _tree(data_dir) if data_dir.exists() else set()
    proc = subprocess.run([sys.executable, "-m", "dagster_project.cli", "report", "verify", str(folder),
                           *key_args], cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert _tree(home, work, folder, key_dir) == before, "verify created a file"
    assert (_tree(data_dir) if data_dir.exists() else set()) == data_before, "verify created a file"
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_public_key_is_a_standard_pem(platform):
    _folder, public_key = platform
    text = public_key.read_text()
    assert text.startswith("-----BEGIN PUBLIC KEY-----")
    assert "PRIVATE" not in text
    mf.load_public_key(public_key)  # an Ed25519 key


def test_regulator_verifies_with_only_the_public_key(report, tmp_path):
    folder, public_key = report
    regulator_key = tmp_path / "keys" / "platform.pem"
    regulator_key.parent.mkdir()
    shutil.copy(public_key, regulator_key)
    proc = _regulator_verify(folder, regulator_key, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"OK {folder}")


def test_regulator_detects_a_changed_file_and_another_key(report, tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    folder, public_key = report
    csv_file = next((folder / "csv").iterdir())
    csv_file.write_bytes(csv_file.read_bytes() + b"x")
    proc = _regulator_verify(folder, public_key, tmp_path)
    assert proc.returncode == 1
    assert f"FAIL csv/{csv_file.name}: size" in proc.stderr

    stranger = tmp_path / "stranger.pem"
    stranger.write_bytes(mf.public_key_pem(Ed25519PrivateKey.generate()))
    proc = _regulator_verify(folder, stranger, tmp_path)
    assert proc.returncode == 1 and "FAIL manifest.json: signed with another key" in proc.stderr


def test_a_file_that_is_not_a_public_key_is_named(report, tmp_path):
    folder, _ = report
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("hello")
    proc = _regulator_verify(folder, bogus, tmp_path)
    assert proc.returncode == 2 and f"FAIL {bogus}: not a PEM public key" in proc.stderr
    proc = _regulator_verify(folder, tmp_path / "absent.pem", tmp_path)
    assert proc.returncode == 2 and "cannot read the public key" in proc.stderr


def test_verify_without_a_public_key_never_creates_a_key(report, tmp_path):
    folder, _ = report
    proc = _regulator_verify(folder, None, tmp_path)
    assert proc.returncode == 2
    assert "no platform signing key" in proc.stderr and "--public-key FILE" in proc.stderr


def test_a_forged_cutoff_before_the_signed_one_is_rejected(report):
    """Python's json keeps the last duplicate (the signed value); other readers keep the first (forged)."""
    folder, public_key = report
    path = folder / "manifest.json"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("{\n")
    path.write_text('{\n  "cutoff_local": "2099-12-31T23:59:59",\n' + text[2:], encoding="utf-8")
    problems = mf.verify(folder, mf.load_public_key(public_key))
    assert problems == [f"{path}: duplicate key 'cutoff_local' (a second value could hide the signed one)"]


def _edit(folder: Path, change) -> None:
    path = folder / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize("change, expected", [
    (lambda m: m["files"][0].update(bytes=str(m["files"][0]["bytes"])), "files[0].bytes must be integer"),
    (lambda m: m["files"][0].update(bytes=True), "files[0].bytes must be integer"),
    (lambda m: m["files"][0].update(mode="0644"), "files[0] must have exactly the fields"),
    (lambda m: m["files"].__setitem__(0, "csv/x.csv"), "files[0] must be an object"),
    (lambda m: m.update(files={"a": 1}), "field 'files' must be array, found dict"),
    (lambda m: m.update(cutoff_local=20991231), "field 'cutoff_local' must be string or null, found int"),
    (lambda m: m.pop("signature"), "field 'signature' is missing"),
    (lambda m: m["signature"].update(algorithm="HMAC-SHA256"), "signature algorithm 'HMAC-SHA256'"),
    (lambda m: m["signature"].update(value="not base64!"), "signature value is not base64"),
    (lambda m: m.update(approved_by="regulator"), "field 'approved_by' is not part of a RightsWatch manifest"),
    (lambda m: m["files"].append(dict(m["files"][0])), "listed twice in the manifest"),
    (lambda m: m["files"][0].update(path="../outside.csv"), "path outside the report folder"),
])
def test_malformed_manifests_are_rejected_by_the_cli_with_a_message(report, capsys, change, expected):
    folder, public_key = report
    _edit(folder, change)
    assert main(["report", "verify", str(folder), "--public-key", str(public_key)]) == 1
    assert expected in capsys.readouterr().err


@pytest.mark.parametrize("raw, expected", [
    (b"[1, 2]", "expected a JSON object, found list"),
    (b'{"period": NaN}', "NaN is not valid JSON"),
    (b'{"period": "\xff"}', "not UTF-8"),
    (b'{"period": ', "not valid JSON"),
    (b"[" * 100000, "not valid JSON"),
])
def test_unparseable_manifests_are_rejected_without_a_traceback(report, capsys, raw, expected):
    folder, public_key = report
    (folder / "manifest.json").write_bytes(raw)
    assert main(["report", "verify", str(folder), "--public-key", str(public_key)]) == 1
    assert expected in capsys.readouterr().err


def test_missing_and_extra_files_are_named(report):
    folder, public_key = report
    (folder / "extra.txt").write_text("x")
    victim = next((folder / "csv").iterdir())
    victim.unlink()
    problems = mf.verify(folder, mf.load_public_key(public_key))
    assert f"csv/{victim.name}: missing" in problems and "extra.txt: not listed in the manifest" in problems
    assert mf.verify(folder / "nowhere", mf.load_public_key(public_key)) == [f"{folder / 'nowhere'}: not a folder"]


def test_signing_key_from_a_pem_in_the_environment(monkeypatch, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key

    def pem(key) -> str:
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()

    key = Ed25519PrivateKey.generate()
    monkeypatch.setenv("RW_REPORT_SIGNING_KEY", pem(key))
    assert mf.public_key_pem(mf.signing_key(tmp_path / "w.duckdb")) == mf.public_key_pem(key)
    monkeypatch.setenv("RW_REPORT_SIGNING_KEY", pem(generate_private_key(public_exponent=65537, key_size=2048)))
    with pytest.raises(mf.ManifestError, match="RW_REPORT_SIGNING_KEY: the PEM key is not an Ed25519 key"):
        mf.signing_key(tmp_path / "w.duckdb")
    assert list(tmp_path.iterdir()) == []  # a configured key never writes a key file
