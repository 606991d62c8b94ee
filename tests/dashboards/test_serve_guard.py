"""ServeGuard's rules on their own: grants expire and belong to one browser; Streamlit's static files pass."""

from __future__ import annotations

import asyncio

from dashboards import serve_guard
from dashboards.serve_guard import GRANT_SECONDS, ServeGuard, grant, may_fetch


def test_a_grant_belongs_to_one_browser_and_one_file_and_expires():
    grant("browser-a", "f1", now=1000.0)
    assert may_fetch("browser-a", "f1", now=1000.0 + GRANT_SECONDS)
    assert not may_fetch("browser-b", "f1", now=1001.0)
    assert not may_fetch("browser-a", "f2", now=1001.0)
    assert not may_fetch(None, "f1", now=1001.0)
    assert not may_fetch("browser-a", "f1", now=1000.0 + GRANT_SECONDS + 1)
    grant(None, "f3", now=1000.0)  # no cookie (app run without the guard): nothing granted
    assert ("", "f3") not in serve_guard._grants and (None, "f3") not in serve_guard._grants


def _call(path: str, cookie: str | None = None) -> tuple[int, dict[bytes, bytes], bool]:
    reached = []

    async def app(scope, receive, send):
        reached.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    headers = [(b"cookie", cookie.encode())] if cookie else []
    asyncio.run(ServeGuard(app)({"type": "http", "method": "GET", "path": path, "headers": headers},
                                receive, send))
    start = sent[0]
    return start["status"], dict(start["headers"]), bool(reached)


def test_media_needs_a_grant_static_media_and_pages_pass():
    assert _call("/media/abc123.csv")[0] == 403
    grant("tok", "abc123")
    status, _headers, reached = _call("/media/abc123.csv", "rw_browser=tok")
    assert status == 200 and reached
    assert _call("/base/media/abc123.csv", "rw_browser=other")[0] == 403
    status, headers, reached = _call("/static/media/SourceSansVF-Upright.ttf")
    assert status == 200 and reached and headers[b"x-frame-options"] == b"DENY"
    status, _headers, reached = _call("/_stcore/metrics", "rw_browser=tok")
    assert status == 404 and not reached
    status, headers, _ = _call("/")
    assert headers[b"set-cookie"].startswith(b"rw_browser=") and b"HttpOnly" in headers[b"set-cookie"]
    assert b"set-cookie" not in _call("/", "rw_browser=tok")[1]
