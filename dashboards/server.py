"""The served dashboards: ``dashboards/app.py`` behind :class:`dashboards.serve_guard.ServeGuard`.

``rightswatch serve`` runs ``streamlit run dashboards/server.py``; Streamlit finds ``app`` (an
``st.App``) and serves it as an ASGI application, so the guard sees every HTTP request before
Streamlit does (downloads bound to the session that asked, no public metrics, no framing).
Running ``streamlit run dashboards/app.py`` directly skips these protections: tests and development only.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run dashboards/server.py` puts dashboards/ on sys.path, not the repository root.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from dashboards.serve_guard import ServeGuard  # noqa: E402
from dashboards.warmup import start_background  # noqa: E402

app = st.App(Path(__file__).with_name("app.py"), middleware=[Middleware(ServeGuard)])

# Warm the shared query cache now and on every new publication, so no visitor pays a cold first visit.
start_background()
