"""The documented TLS reverse proxy (docs/deploy/nginx.conf), started with Debian's nginx in front of a
real ``rightswatch serve``: TLS works end to end (a browser signs in over the WebSocket), headers
forbid framing, metrics are hidden, plain HTTP redirects, the browser cookie is marked Secure.

The file is used as written; only its server name, ports and certificate paths are substituted.
Under ``CI=true`` a missing nginx fails the test (scripts/install_system_deps.sh installs it).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import ssl
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT
from test_browser import CHROMIUM, CHROMIUM_ARGS, _require_browser, _sign_in
from test_serve import served  # noqa: F401  (the served app fixture)

from dashboards.serving import free_port, wait_until_healthy

CONF = PROJECT_ROOT / "docs" / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "fullchain.pem", folder / "privkey.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture(scope="module")
def proxy(served, tmp_path_factory):  # noqa: F811
    if not Path(NGINX).exists():
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("nginx is missing; scripts/install_system_deps.sh installs it")
        pytest.skip("nginx missing (scripts/install_system_deps.sh installs it)")
    root = tmp_path_factory.mktemp("nginx")
    cert_file, key_file = _self_signed(root)
    https_port, http_port = free_port(), free_port()
    site = CONF.read_text()
    for old, new in (("server 127.0.0.1:8501;", f"server 127.0.0.1:{served.port};"),
                     ("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;"),
                     ("listen 80;", f"listen 127.0.0.1:{http_port};"),
                     ("rightswatch.example.org", "localhost"),
                     ("/etc/ssl/rightswatch/fullchain.pem", str(cert_file)),
                     ("/etc/ssl/rightswatch/privkey.pem", str(key_file))):
        assert old in site, f"{CONF} no longer contains {old!r}: update this test with the file"
        site = site.replace(old, new)
    (root / "rightswatch.conf").write_text(site)
    temp = "".join(f"{kind}_temp_path {root / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (root / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"daemon off;\nworker_processes 1;\npid {root / 'nginx.pid'};\nerror_log {root / 'error.log'};\n"
        + "events { worker_connections 64; }\n"
        + f"http {{\naccess_log off;\n{temp}include {root / 'rightswatch.conf'};\n}}\n")
    check = subprocess.run([NGINX, "-t", "-p", str(root), "-c", str(root / "nginx.conf")],
                           capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([NGINX, "-p", str(root), "-c", str(root / "nginx.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"https://localhost:{https_port}"
    context = ssl.create_default_context(cafile=str(cert_file))
    try:
        assert wait_until_healthy(url, proc, timeout=20, context=context), \
            "nginx did not proxy:\n" + (root / "error.log").read_text()[-3000:]
        yield url, f"http://localhost:{http_port}", context
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _fetch(url: str, context=None) -> tuple[int, object]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=context))
    try:
        with opener.open(url, timeout=10) as r:
            return r.status, r.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers


def test_tls_headers_metrics_and_redirect(proxy):
    url, plain, context = proxy
    status, headers = _fetch(url + "/", context)
    assert status == 200
    assert headers.get_all("X-Frame-Options") == ["DENY"]
    assert headers.get_all("Content-Security-Policy") == ["frame-ancestors 'none'"]
    assert "max-age=" in headers["Strict-Transport-Security"]
    cookie = headers["Set-Cookie"]
    assert "rw_browser=" in cookie and "Secure" in cookie and "HttpOnly" in cookie
    assert _fetch(url + "/_stcore/metrics", context)[0] == 404
    status, headers = _fetch(plain + "/complaints")
    assert status == 301 and headers["Location"].startswith("https://localhost")


def test_a_browser_signs_in_through_the_proxy(proxy):
    _require_browser()
    from playwright.sync_api import sync_playwright

    url, _plain, _context = proxy
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_context(ignore_https_errors=True, locale="zh-CN").new_page()
        page.goto(url)
        _sign_in(page, "analyst")  # needs the WebSocket upgrade through nginx
        assert page.locator('[data-testid="stSidebarNav"]').count() == 1
        browser.close()
