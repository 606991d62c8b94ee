"""The one way the dashboards are served: production options, used by `rightswatch serve` and the load test."""

from __future__ import annotations

import argparse
import socket
import subprocess

from dagster_project.cli import commands
from dashboards import serving


def test_serve_runs_streamlit_without_the_developer_options(dash_env, monkeypatch):
    seen = {}
    monkeypatch.setattr(commands.os, "execve", lambda exe, command, env: seen.setdefault("cmd", command))
    commands._serve(argparse.Namespace(warehouse=None, port=8765, address="127.0.0.1"))
    command = seen["cmd"]
    pairs = dict(zip(command[::1], command[1::1], strict=False))
    assert pairs["--server.fileWatcherType"] == "none"   # no realpath of every module after each run
    assert pairs["--runner.postScriptGC"] == "false"      # no full gc.collect(2) after each run
    assert pairs["--server.port"] == "8765" and pairs["--server.address"] == "127.0.0.1"
    assert command[4].endswith("server.py")  # the guarded entry point, as the load test serves it
    assert command == serving.streamlit_command(8765, "127.0.0.1")


def test_the_serving_options_are_real_streamlit_options(dash_env, tmp_path):
    """Streamlit refuses unknown options at start: the server must come up healthy with all of them."""
    port = serving.free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(serving.streamlit_command(port, "127.0.0.1"), env=dash_env.env, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        assert serving.wait_until_healthy(f"http://127.0.0.1:{port}", proc), (tmp_path / "serve.log").read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def test_free_port_is_a_loopback_port_nobody_listens_on():
    port = serving.free_port()
    assert 1024 <= port <= 65535
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))  # still free: a server of the caller can take it
