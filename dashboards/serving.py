"""How the dashboards are served: one Streamlit command line, shared by ``rightswatch serve``, the load
test and the multi-process launcher, so what is measured is what users get.

Streamlit's defaults suit a developer editing the app, not a room of people reading it. Measured
under load (py-spy on the server, ``make loadtest``), two defaults cost more server time than the
pages themselves:

- ``runner.postScriptGC``: a full ``gc.collect(2)`` after every script run, on a heap holding pandas,
  pyarrow and Altair: tens of milliseconds per page visit, holding the GIL that every other session
  waits on. Python's own generational collector still runs.
- ``server.fileWatcherType``: after every run Streamlit resolves the path of every imported module
  (``realpath`` on thousands of files) to watch them for edits, and polls them in threads. A served
  app is not edited in place; a new version is a restart.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

# The served entry point: the app behind the request guard (see dashboards/server.py).
APP = Path(__file__).resolve().parent / "server.py"

SERVER_OPTIONS: dict[str, str] = {
    "server.headless": "true",
    "browser.gatherUsageStats": "false",
    "client.toolbarMode": "minimal",
    "server.fileWatcherType": "none",
    "server.runOnSave": "false",
    "runner.postScriptGC": "false",
}


def streamlit_command(port: int, address: str | None = None) -> list[str]:
    """``python -m streamlit run dashboards/server.py`` with the serving options, on ``address:port``."""
    command = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port)]
    if address:
        command += ["--server.address", address]
    for name, value in SERVER_OPTIONS.items():
        command += [f"--{name}", value]
    return command


def free_port() -> int:
    """A loopback port nobody listens on now: for a private server (the load test's copy, the tests')."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen | None, timeout: float = 60,
                       context: ssl.SSLContext | None = None) -> bool:
    """Poll ``<url>/_stcore/health`` until it answers 200: True then; False when ``process`` ended or
    ``timeout`` seconds passed. One loop for the load test, ``rightswatch serve``'s tests and the proxy's."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2, context=context) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        if (process is not None and process.poll() is not None) or time.monotonic() > deadline:
            return False
        time.sleep(0.3)
