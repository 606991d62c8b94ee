"""``rightswatch serve`` as an operator runs it, and as a stranger probes it.

The real command is started in a subprocess on a small published warehouse (``fake_warehouse``):
it listens on 127.0.0.1 only, stops on SIGTERM, hides ``/_stcore/metrics``, forbids framing, writes
the first admin password to a private file when its output is a log, and serves a download only to
the signed-in browser session that asked for it, once (checked with Chromium and a cookie-less fetch).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import fake_warehouse
import pytest
from conftest import PROJECT_ROOT, password_of
from test_browser import CHROMIUM, CHROMIUM_ARGS, _open, _require_browser, _sign_in, _switch_language

from dagster_project.state.users import add_user, verify_password
from dashboards import serving


@dataclass
class Served:
    url: str
    port: int
    proc: subprocess.Popen
    root: Path
    output: Path

    @property
    def state_db(self) -> Path:
        return self.root / "warehouse" / "rightswatch.state.sqlite"



def _wait_healthy(url: str, proc: subprocess.Popen, output: Path) -> None:
    if not serving.wait_until_healthy(url, proc):
        raise AssertionError("rightswatch serve did not start:\n" + output.read_text()[-4000:])


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("serve")
    warehouse = fake_warehouse.build(root / "warehouse" / "rightswatch.duckdb")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RW_")}
    env.update(RW_WAREHOUSE=str(warehouse), RW_USERS_FILE=str(root / "users.json"),
               RW_REPORTS=str(root / "reports"), PYTHONPATH=str(PROJECT_ROOT))
    port = serving.free_port()
    output = root / "serve.log"
    with output.open("w") as log:  # stdout is a log file, not a terminal
        proc = subprocess.Popen([sys.executable, "-m", "dagster_project.cli", "serve", "--port", str(port)],
                                cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, output)
        add_user(root / "users.json", "analyst", "analyst", password_of("analyst"))
        yield Served(url=url, port=port, proc=proc, root=root, output=output)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=15)


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def test_first_admin_password_goes_to_a_private_file_not_the_log(served):
    log = served.output.read_text()
    target = served.root / "users.first-admin-password"
    assert f"its password is in {target}" in log
    password = target.read_text().strip()
    assert password and password not in log
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert verify_password(served.root / "users.json", "admin", password) is not None


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on ``port``, from /proc/net/tcp and tcp6 (Linux)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, _remote, state = line.split()[1:4]
            address, port_hex = local.rsplit(":", 1)
            if state == "0A" and int(port_hex, 16) == port:
                found.add(address)
    return found


def test_listens_on_loopback_only(served):
    if not Path("/proc/net/tcp").exists():
        pytest.skip("needs Linux /proc/net/tcp")
    # 0100007F is 127.0.0.1 in the kernel's byte order; 00000000 would be every interface
    assert _listening_addresses(served.port) == {"0100007F"}


def test_metrics_hidden_and_pages_not_frameable(served):
    status, _headers, _body = _get(f"{served.url}/_stcore/metrics")
    assert status == 404
    status, headers, body = _get(served.url + "/")
    assert status == 200 and b"<html" in body.lower()
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "rw_browser=" in headers["set-cookie"] and "HttpOnly" in headers["set-cookie"]


def test_a_download_is_served_only_to_the_session_that_asked(served):
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 2000}, accept_downloads=True,
                                      locale="zh-CN")
        page = context.new_page()
        media: list[tuple[str, int]] = []
        page.on("response", lambda r: media.append((r.url, r.status)) if "/media/" in r.url else None)
        page.goto(served.url)
        page.locator('input[aria-label="用户名"]').fill("nobody")  # a failure counted against the address
        page.locator('input[aria-label="密码"]').fill("wrong-password-123")
        page.get_by_role("button", name="登录").click()
        page.locator('[data-testid="stAlert"]', has_text="用户名或密码错误").wait_for()
        _sign_in(page, "analyst")
        _switch_language(page, "en")
        _open(page, "complaints", "en")
        with page.expect_download() as dl:
            page.get_by_role("button", name="Download CSV (UTF-8)").first.click()
        data = Path(dl.value.path()).read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")  # the signed-in session got its file
        url = dl.value.url
        assert "/media/" in url
        for name in ("Download XLSX", "Download CSV (UTF-8)"):  # fonts and other buttons still work
            assert page.get_by_role("button", name=name).count()
        assert not [u for u, status in media if status != 200], media
        browser.close()

    status, _headers, body = _get(url)  # a stranger with the URL and no cookie
    assert status == 403 and data not in body
    status, _headers, _body = _get(url, {"Cookie": "rw_browser=guessed"})
    assert status == 403
    con = sqlite3.connect(served.state_db)
    rows = con.execute("SELECT actor, target, detail FROM audit_log WHERE action = 'download'").fetchall()
    con.close()
    assert [(a, t, json.loads(d)["format"]) for a, t, d in rows] == [("analyst", "complaints", "csv-utf8")]
    failures = sqlite3.connect(served.state_db).execute("SELECT user_name, client FROM failed_sign_ins").fetchall()
    assert failures == [("nobody", "127.0.0.1")]


def test_sigterm_stops_the_server(served):
    served.proc.send_signal(signal.SIGTERM)
    served.proc.wait(timeout=20)
    with socket.socket() as s:
        s.settimeout(2)
        assert s.connect_ex(("127.0.0.1", served.port)) != 0, "still serving after SIGTERM"
