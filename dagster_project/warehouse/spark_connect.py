"""A local Spark Connect server for the Spark engine (``RW_ENGINE=spark``) on one machine.

Why: the Spark target of dbt (``dbt/profiles.yml``, ``method: session`` with ``SPARK_REMOTE``) needs a
Spark Connect endpoint. On a cluster that is the cluster's own server (docs/scale-out.md); here, for
the parity test and for trying the engine locally, pyspark's own ``sbin/start-connect-server.sh`` is
started on the loopback interface only, with settings that make Spark's SQL behave like the
warehouse's conventions (UTC session time zone, timestamps without a time zone like DuckDB's
TIMESTAMP), and stopped afterwards.

``python -m dagster_project.warehouse.spark_connect start|stop [--dir DIR] [--port N]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_PORT = 15002
DEFAULT_DIR = Path(os.environ.get("RW_SPARK_DIR", "/tmp/rightswatch-spark"))

# The conventions of docs/architecture.md on Spark: naive UTC timestamps, ANSI SQL, few shuffle
# partitions (a local server on two cores: the default 200 partitions costs minutes on a sample).
SPARK_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
    "spark.sql.ansi.enabled": "true",
    "spark.sql.shuffle.partitions": "2",
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.catalogImplementation": "in-memory",
    "spark.ui.enabled": "false",
    "spark.driver.memory": "1g",
    "spark.connect.grpc.binding.address": "127.0.0.1",
}


def spark_home() -> Path:
    """pyspark's installed folder holds sbin/, bin/ and the jars: it is SPARK_HOME."""
    import pyspark

    return Path(pyspark.__file__).resolve().parent


def remote_url(port: int = DEFAULT_PORT) -> str:
    return f"sc://localhost:{port}"


def is_listening(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _env(work_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SPARK_HOME=str(spark_home()),
        SPARK_LOG_DIR=str(work_dir / "logs"),
        SPARK_PID_DIR=str(work_dir / "pids"),
        SPARK_IDENT_STRING="rightswatch",
    )
    return env


def start(work_dir: Path = DEFAULT_DIR, port: int = DEFAULT_PORT, timeout: float = 120.0) -> str:
    """Start the server (unless one already listens on ``port``) and wait until it accepts connections."""
    if is_listening(port):
        return remote_url(port)
    work_dir.mkdir(parents=True, exist_ok=True)
    # The catalog is in memory: tables a previous server left on disk are orphans that would make
    # every CREATE TABLE fail (LOCATION_ALREADY_EXISTS). A fresh server starts from an empty warehouse.
    shutil.rmtree(work_dir / "spark-warehouse", ignore_errors=True)
    conf = {**SPARK_CONF, "spark.connect.grpc.binding.port": str(port),
            "spark.sql.warehouse.dir": str(work_dir / "spark-warehouse"),
            "spark.local.dir": str(work_dir / "tmp")}
    args = [str(spark_home() / "sbin" / "start-connect-server.sh")]
    for key, value in conf.items():
        args += ["--conf", f"{key}={value}"]
    subprocess.run(args, cwd=work_dir, env=_env(work_dir), check=True, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_listening(port):
            return remote_url(port)
        time.sleep(1)
    logs = sorted((work_dir / "logs").glob("*.out"))
    tail = logs[-1].read_text(errors="replace")[-3000:] if logs else "(no log)"
    stop(work_dir)
    raise RuntimeError(f"Spark Connect server did not listen on port {port} within {timeout:.0f} s:\n{tail}")


def stop(work_dir: Path = DEFAULT_DIR) -> None:
    """Stop the server started from ``work_dir`` (its pid file is there); no-op when none runs."""
    script = spark_home() / "sbin" / "stop-connect-server.sh"
    subprocess.run([str(script)], cwd=work_dir if work_dir.is_dir() else None, env=_env(work_dir),
                   check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    ns = parser.parse_args(argv)
    if ns.action == "start":
        # The URL alone on stdout (SPARK_REMOTE=$(... start) keeps working); the start-up time on stderr,
        # the figure docs/scale-out.md quotes.
        started, already = time.monotonic(), is_listening(ns.port)
        url = start(ns.dir, ns.port)
        print(url)
        print(f"already listening on port {ns.port}" if already
              else f"listening on port {ns.port} after {time.monotonic() - started:.1f} s", file=sys.stderr)
    else:
        stop(ns.dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
