"""RightsWatch dashboards — entry point: ``streamlit run dashboards/app.py``.

Sign-in comes first: an anonymous session gets a navigation of one hidden page, the sign-in screen
(so Streamlit never falls back to listing ``pages/``). After sign-in ``st.navigation`` registers only
the pages the user's role may open (one module per page in ``dashboards/pages/``); each page checks the
role again. Pages read the warehouse only through ``dashboards.queries``.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run dashboards/app.py` puts dashboards/ on sys.path, not the repository root.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from dashboards.auth import language_switch, pages_for, session_user, sidebar_user, sign_in_screen  # noqa: E402
from dashboards.i18n import t  # noqa: E402
from dashboards.ui import still_page  # noqa: E402

st.set_page_config(page_title="RightsWatch", page_icon=":material/shield:", layout="wide")
still_page()
language_switch()
user = session_user()
if user is None:
    st.navigation([st.Page(sign_in_screen, title=t("sign_in"), url_path="sign-in", default=True)],
                  position="hidden").run()
else:
    sidebar_user(user)
    pages = [st.Page(p.path, title=t(f"page_{p.page_id}"), icon=p.icon, url_path=p.page_id,
                     default=(p.page_id == "overview")) for p in pages_for(user.role)]
    st.navigation(pages).run()
