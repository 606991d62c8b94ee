"""Sign-in, roles and the page each role may open.

Two ways to sign in:
- local accounts (default): ``dagster_project.state.users`` (salted scrypt hashes in ``RW_USERS_FILE``),
  failed attempts throttled and audited in the state database;
- OpenID Connect through Streamlit's own ``st.login`` when ``RW_AUTH=oidc`` and ``.streamlit/secrets.toml``
  has an ``[auth]`` section. The identity provider proves who the user is; the role comes from a JSON
  file mapping e-mail addresses to roles (``RW_OIDC_ROLES``, default ``oidc_roles.json`` beside the
  users file). An e-mail without a role sees nothing.

Nothing from the warehouse is read before ``require_user`` returns. Every page calls
``page_setup(page_id)``, which checks the role again, so a page cannot be reached by URL or by
``st.switch_page`` by a role it is not registered for.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from dagster_project.settings import get_settings
from dagster_project.state import open_state, record_audit
from dagster_project.state import users as accounts
from dashboards.i18n import LANGS, role_label, t
from dashboards.static_view import INTERACTIVE_KEY

SESSION_KEY = "rw_user"


@dataclass(frozen=True)
class PageSpec:
    page_id: str
    path: str            # relative to dashboards/app.py
    roles: frozenset[str]
    icon: str


ALL = frozenset(accounts.ROLES)
PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview", "pages/overview.py", ALL, ":material/dashboard:"),
    PageSpec("complaints", "pages/complaints.py", frozenset({"analyst", "manager"}), ":material/forum:"),
    PageSpec("refunds", "pages/refunds.py", frozenset({"analyst", "manager", "regulator"}),
             ":material/currency_exchange:"),
    PageSpec("price", "pages/price.py", frozenset({"analyst", "manager", "regulator"}), ":material/sell:"),
    PageSpec("privacy", "pages/privacy.py", frozenset({"analyst", "manager", "regulator"}), ":material/shield_person:"),
    PageSpec("merchants", "pages/merchants.py", frozenset({"manager", "regulator"}), ":material/storefront:"),
    PageSpec("data_quality", "pages/data_quality.py", ALL, ":material/fact_check:"),
    PageSpec("approvals", "pages/approvals.py", frozenset({"manager", "admin"}), ":material/approval:"),
    PageSpec("audit", "pages/audit.py", frozenset({"admin"}), ":material/policy:"),
)


def pages_for(role: str) -> list[PageSpec]:
    return [p for p in PAGES if role in p.roles]


@dataclass(frozen=True)
class SessionUser:
    name: str
    role: str
    method: str  # "local" or "oidc"


# --- state database helpers ---------------------------------------------------------------------

def audit(action: str, target: str | None = None, detail: dict[str, Any] | None = None,
          actor: str | None = None) -> None:
    """Write one audit entry as the signed-in user (or ``actor``)."""
    if actor is None:  # only then: a download's worker thread has no session state to read
        user = current_user()
        actor = user.name if user else "anonymous"
    con = open_state()
    try:
        record_audit(con, actor, action, target, detail)
    finally:
        con.close()


def current_user() -> SessionUser | None:
    data = st.session_state.get(SESSION_KEY)
    return SessionUser(**data) if data else None


# --- OIDC ----------------------------------------------------------------------------------------

def oidc_enabled() -> bool:
    if os.environ.get("RW_AUTH", "local").lower() != "oidc":
        return False
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all
        return False


def oidc_roles_file() -> Path:
    value = os.environ.get("RW_OIDC_ROLES")
    return Path(value).expanduser() if value else get_settings().users_file.with_name("oidc_roles.json")


def oidc_role(email: str | None) -> str | None:
    """Role for an e-mail from the mapping file ({"alice@example.org": "manager", ...}), case-insensitive."""
    if not email:
        return None
    try:
        mapping = json.loads(oidc_roles_file().read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    role = {str(k).lower(): v for k, v in mapping.items()}.get(email.lower())
    return role if role in accounts.ROLES else None


def _oidc_user() -> SessionUser | None:
    """The signed-in OIDC user with a mapped role, else None (no UI)."""
    if not st.user.is_logged_in:
        return None
    email = st.user.get("email")
    role = oidc_role(email)
    if role is None:
        return None
    user = SessionUser(name=str(email), role=role, method="oidc")
    if st.session_state.get(SESSION_KEY) != user.__dict__:
        st.session_state[SESSION_KEY] = dict(user.__dict__)
        audit("sign_in", "dashboard", {"method": "oidc", "role": role}, actor=user.name)
    return user


def _oidc_sign_in_screen() -> None:
    st.title(t("sign_in_title"))
    if not st.user.is_logged_in:
        if st.button(t("sign_in_oidc"), type="primary", key="oidc_login"):
            st.login()
        return
    email = st.user.get("email")
    st.error(t("no_role"))
    if st.session_state.get("_rw_oidc_denied") != email:
        st.session_state["_rw_oidc_denied"] = email
        audit("sign_in_failed", "dashboard", {"method": "oidc", "email": email}, actor=email or "?")
    if st.button(t("sign_out"), key="oidc_logout_denied"):
        st.logout()


# --- local accounts ------------------------------------------------------------------------------

LOOPBACK = {None, "", "127.0.0.1", "::1", "localhost"}


def client_address() -> str | None:
    """The address sign-in failures are counted against (per-address lock).

    Streamlit reports the peer of the WebSocket (None for localhost). Behind the documented reverse
    proxy (docs/deploy/nginx.conf) the peer is the proxy on loopback, so the ``X-Real-IP`` header it
    sets is used instead; from any other peer that header is ignored, because anyone can send it.
    """
    try:
        peer = st.context.ip_address
        forwarded = st.context.headers.get("X-Real-IP") if peer in LOOPBACK else None
    except Exception:  # no request context
        return None
    if not isinstance(peer, str | None) or not isinstance(forwarded, str | None):
        return None  # AppTest's stand-in context
    if peer in LOOPBACK:
        return (forwarded or "").strip() or peer or "127.0.0.1"
    return peer


def _local_sign_in_form() -> None:
    st.title(t("sign_in_title"))
    users_file = get_settings().users_file
    if not users_file.exists():
        st.info(t("no_users"))
    with st.form("sign_in", clear_on_submit=False):
        name = st.text_input(t("user_name"), key="sign_in_name")
        password = st.text_input(t("password"), type="password", key="sign_in_password")
        submitted = st.form_submit_button(t("sign_in"), type="primary")
    if not submitted:
        return
    con = open_state()
    try:
        result = accounts.authenticate(users_file, con, name, password, client=client_address())
    finally:
        con.close()
    if result.user is None:
        st.error(t("locked") if result.reason == "locked" else t("bad_credentials"))
        return
    st.session_state[SESSION_KEY] = {"name": result.user.name, "role": result.user.role, "method": "local"}
    st.session_state.pop("sign_in_password", None)
    st.rerun()


def _refresh_local(user: SessionUser) -> SessionUser | None:
    """Re-read the account each run: a removed account or a changed role takes effect at once."""
    try:
        account = accounts.get_user(get_settings().users_file, user.name)
    except (accounts.UserError, json.JSONDecodeError):
        account = None
    if account is None:
        st.session_state.pop(SESSION_KEY, None)
        return None
    if account.role != user.role:
        st.session_state[SESSION_KEY] = {"name": user.name, "role": account.role, "method": "local"}
        return SessionUser(user.name, account.role, "local")
    return user


def session_user() -> SessionUser | None:
    """The signed-in user of this session, or None. Renders nothing."""
    if oidc_enabled():
        return _oidc_user()
    user = current_user()
    return _refresh_local(user) if user is not None else None


def sign_in_screen() -> None:
    """The only thing an anonymous visitor sees (a page of its own, so no navigation is shown)."""
    if oidc_enabled():
        _oidc_sign_in_screen()
    else:
        _local_sign_in_form()


def require_user() -> SessionUser:
    """The signed-in user; otherwise render the sign-in screen and stop the script."""
    user = session_user()
    if user is None:
        sign_in_screen()
        st.stop()
    return user


def sign_out() -> None:
    user = current_user()
    if user is not None:
        audit("sign_out", "dashboard", {"method": user.method})
    for key in list(st.session_state.keys()):
        if key != "lang":
            del st.session_state[key]
    if user is not None and user.method == "oidc":
        st.logout()


def language_switch() -> None:
    st.sidebar.radio("语言 / Language", list(LANGS), format_func=LANGS.get, key="lang", horizontal=True)


def sidebar_user(user: SessionUser) -> None:
    st.sidebar.caption(t("signed_in_as", name=user.name, role=role_label(user.role)))
    st.sidebar.button(t("sign_out"), key="sign_out", on_click=sign_out)
    st.sidebar.toggle(t("interactive_views"), key=INTERACTIVE_KEY, help=t("interactive_views_help"))


def page_setup(page_id: str) -> SessionUser:
    """First call of every page: signed in, and this role may open this page; else stop."""
    user = require_user()
    spec = next(p for p in PAGES if p.page_id == page_id)
    if user.role not in spec.roles:
        audit("page_denied", page_id, {"role": user.role})
        st.error(t("not_allowed"))
        st.stop()
    st.title(t(f"page_{page_id}"))
    return user
