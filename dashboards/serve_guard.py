"""HTTP protections Streamlit has no option for, as one ASGI middleware in front of the dashboards.

Why: Streamlit serves every ``st.download_button`` file at ``/media/<id>`` to anyone who has the
URL (the id is derived from the content, no cookie is checked), publishes ``/_stcore/metrics``
without sign-in, and sends no header forbidding other sites to frame its pages. ``dashboards/server.py``
wraps the app with this middleware, so ``rightswatch serve`` is protected without a proxy:

- every browser gets a random ``rw_browser`` cookie (HttpOnly, SameSite=Strict). The Streamlit
  session sees it in ``st.context.cookies`` (it arrives with the WebSocket handshake);
- a download is generated only when a signed-in session clicks its button, and at that moment
  :func:`grant` records "this browser may fetch this file id for the next minute" (Streamlit's
  frontend fetches a download twice, so a single-use grant would break it);
- ``/media/<id>`` is served only to a request carrying the cookie holding such a live grant: a URL
  copied to a log, a proxy or another machine fetches nothing, and nothing at all after a minute;
- Streamlit's own fonts and scripts (``/static/media/...``) are not downloads and pass untouched;
- ``/_stcore/metrics`` answers 404; every response says ``X-Frame-Options: DENY`` and
  ``Content-Security-Policy: frame-ancestors 'none'``.

The grants live in this process's memory, which is where Streamlit's media files live too.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any

BROWSER_COOKIE = "rw_browser"
GRANT_SECONDS = 60.0
SECURITY_HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)
_MEDIA = re.compile(r"(?:^|/)media/([^/]+)$")  # Streamlit's media files, not /static/media/ (its fonts)
_METRICS = re.compile(r"(?:^|/)_stcore/metrics/?$")

_LOGGER = logging.getLogger("rightswatch.serve_guard")
_lock = threading.Lock()
_grants: dict[tuple[str, str], float] = {}

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]


def grant(browser: str | None, file_id: str, *, now: float | None = None) -> None:
    """Allow ``browser`` (its cookie value) to fetch media ``file_id`` for GRANT_SECONDS."""
    if not browser:
        return
    now = time.monotonic() if now is None else now
    with _lock:
        for key in [k for k, expiry in _grants.items() if expiry < now]:
            del _grants[key]
        _grants[(browser, file_id)] = now + GRANT_SECONDS


def may_fetch(browser: str | None, file_id: str, *, now: float | None = None) -> bool:
    """True when ``browser`` holds a live grant for ``file_id``."""
    if not browser:
        return False
    now = time.monotonic() if now is None else now
    with _lock:
        expiry = _grants.get((browser, file_id))
    return expiry is not None and expiry >= now


def _cookie(scope: Scope, name: str) -> str | None:
    jar = SimpleCookie()
    for key, value in scope.get("headers") or []:
        if key == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header simply carries no token
                continue
    morsel = jar.get(name)
    return morsel.value if morsel else None


def _is_https(scope: Scope) -> bool:
    """HTTPS directly, or through a reverse proxy on loopback that says so (docs/deploy/nginx.conf)."""
    if scope.get("scheme") == "https":
        return True
    peer = (scope.get("client") or ("",))[0]
    proto = dict(scope.get("headers") or []).get(b"x-forwarded-proto", b"")
    return peer in {"127.0.0.1", "::1"} and proto == b"https"


async def _plain(send: Callable[[Message], Awaitable[None]], status: int, text: str) -> None:
    body = text.encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": body})


class ServeGuard:
    """ASGI middleware: session-bound downloads, no public metrics, no framing (see module doc)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        browser = _cookie(scope, BROWSER_COOKIE)
        if _METRICS.search(path):
            await _plain(send, 404, "not found")
            return
        media = None if "/static/" in path else _MEDIA.search(path)
        if media:
            file_id = media.group(1).split(".", 1)[0]
            if scope.get("method") == "OPTIONS":
                await _plain(send, 405, "method not allowed")
                return
            if not may_fetch(browser, file_id):
                client = (scope.get("client") or ("?",))[0]
                _LOGGER.warning("refused %s from %s: no download grant for this browser", path, client)
                await _plain(send, 403, "This download belongs to another session or has expired; "
                                        "click the download button again while signed in.")
                return
        new_cookie = None if browser else secrets.token_urlsafe(32)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() not in {h for h, _ in SECURITY_HEADERS}]
                headers += list(SECURITY_HEADERS)
                if new_cookie:
                    secure = "; Secure" if _is_https(scope) else ""
                    headers.append((b"set-cookie", f"{BROWSER_COOKIE}={new_cookie}; Path=/; HttpOnly; "
                                                   f"SameSite=Strict{secure}".encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
