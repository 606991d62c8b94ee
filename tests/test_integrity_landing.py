"""One unreadable landing entry never blocks a run: each is rejected alone, named (escaped where needed)
in meta.landing_issues, and the rest of the delivery loads."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from ingest_fixtures import DELIVERY, csv_bytes, make_landing, valid_order

from dagster_project.ingest import scan_landing

PROJECT_ROOT = Path(__file__).resolve().parent.parent
GBK_NAME = "订单.csv".encode("gbk")


@pytest.fixture
def land(tmp_path):
    landing = make_landing(tmp_path)
    yield landing
    landing.con.close()


@pytest.fixture
def alarm():
    """A FIFO opened by mistake would wait for a writer for ever: fail the test instead of hanging."""
    def _timeout(signum, frame):
        raise TimeoutError("the scan or the load blocked (opened a FIFO?)")
    previous = signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_hostile_entries_are_each_reported_and_the_rest_of_the_delivery_loads(land, alarm):
    good = land.write_csv("orders", "good.csv", [valid_order(order_id="O-1")])
    folder = good.parent
    with open(os.fsencode(folder) + b"/" + GBK_NAME, "wb") as fh:  # a Windows exporter's GBK file name
        fh.write(csv_bytes([valid_order(order_id="O-2")]))
    os.symlink("gone.csv", folder / "dangling.csv")
    os.mkfifo(folder / "pipe.csv")
    (folder / "folder.csv").mkdir()  # a directory named like a file: open() would fail on it
    result = land.ingest("orders")
    assert [(f.file_name, f.status) for f in result.files] == [("good.csv", "loaded")]
    assert land.rows("SELECT order_id FROM raw.orders") == [("O-1",)]

    issues = dict(land.rows("SELECT path, issue FROM meta.landing_issues"))
    escaped = str(folder) + "/" + GBK_NAME.decode("utf-8", "backslashreplace")
    assert escaped.endswith("\\xb6\\xa9\\xb5\\xa5.csv")
    assert "not valid UTF-8" in issues[escaped] and "'订单.csv'" in issues[escaped]
    assert "dangling symbolic link" in issues[str(folder / "dangling.csv")]
    assert "FIFO" in issues[str(folder / "pipe.csv")] and "never opened" in issues[str(folder / "pipe.csv")]
    assert "unexpected folder" in issues[str(folder / "folder.csv")]
    assert land.rows("SELECT DISTINCT run_id FROM meta.landing_issues") == [("test-run",)]
    # the whole-landing scan reports them the same way without hanging or failing
    assert set(dict(scan_landing(land.con, land.root, "run-2"))) == set(issues)
    assert land.rows("SELECT DISTINCT run_id FROM meta.landing_issues") == [("run-2",)]


def test_a_folder_and_a_source_with_a_non_utf8_name_are_reported_escaped(land, alarm):
    land.write_csv("orders", "good.csv", [valid_order()])
    os.makedirs(os.fsencode(land.root / "orders") + b"/" + "二〇二六".encode("gbk"))
    os.makedirs(os.fsencode(land.root) + b"/" + "退货".encode("gbk"))
    issues = dict(scan_landing(land.con, land.root))
    for path, issue in issues.items():
        path.encode("utf-8")  # storable text
        assert "not valid UTF-8" in issue
    assert len(issues) == 2
    assert land.ingest("orders").rows_loaded == 1


@pytest.fixture
def nobody_dir():
    """A scratch folder `nobody` can reach (pytest's own tmp folders are closed to other users)."""
    path = Path(tempfile.mkdtemp(prefix="rw-nobody-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


_AS_NOBODY = """
import json, os, sys
import duckdb
from pathlib import Path
from dagster_project.ingest import ingest_source
from dagster_project.warehouse.work_db import ensure_schema
root = Path(sys.argv[1])
# Warm up as root (the interpreter's standard library lives under /root, closed to nobody), then drop
# to nobody for good before the load that matters.
warm = duckdb.connect(":memory:")
ensure_schema(warm)
ingest_source(warm, source="orders", landing_root=root / "warmup", key=b"k" * 32, run_id="warm-up")
warm.close()
os.setgroups([])
os.setgid(65534)
os.setuid(65534)
assert os.geteuid() == 65534
con = duckdb.connect(str(root / "work.duckdb"))
ensure_schema(con)
result = ingest_source(con, source="orders", landing_root=root / "landing", key=b"k" * 32, run_id="nobody-run")
print(json.dumps({"files": [[f.file_name, f.status] for f in result.files],
                  "issues": con.execute("SELECT path, issue FROM meta.landing_issues").fetchall()}))
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to start the check as an unprivileged user")
def test_a_file_the_process_may_not_read_is_reported_and_the_rest_loads(nobody_dir):
    """Root reads every file, so the load runs in a child process that drops to the unprivileged user
    `nobody`, for whom a mode-000 file is really unreadable (no simulation: the kernel refuses the open)."""
    root = nobody_dir / "nobody"
    folder = root / "landing" / "orders" / DELIVERY
    folder.mkdir(parents=True)
    (folder / "a_good.csv").write_bytes(csv_bytes([valid_order(order_id="O-1")]))
    secret = folder / "b_secret.csv"
    secret.write_bytes(csv_bytes([valid_order(order_id="O-2")]))
    secret.chmod(0)
    for path in (root, root / "landing", root / "landing" / "orders", folder):
        path.chmod(0o777)
    (folder / "a_good.csv").chmod(0o644)
    warmup = root / "warmup" / "orders" / DELIVERY
    warmup.mkdir(parents=True)
    (warmup / "w.csv").write_bytes(csv_bytes([valid_order(order_id="W-1")]))
    env = {"PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin", "HOME": str(root)}
    proc = subprocess.run([sys.executable, "-c", _AS_NOBODY, str(root)], env=env,
                          capture_output=True, text=True, timeout=300, cwd=root)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["files"] == [["a_good.csv", "loaded"]]
    assert out["issues"] == [[str(secret), "cannot be read (Permission denied); not read"]]
