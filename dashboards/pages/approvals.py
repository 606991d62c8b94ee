"""Report approvals (manager, admin): built regulator reports with their figures and files; approve or
reject; record the regulator's acknowledgement of a sent report.

A report's files are offered only after its manifest verified (every file's hash and the signature,
the same check as ``rightswatch report verify``): a folder changed after the build shows what is
wrong instead of its files, and can be rejected but not approved.

Uses the approvals API (``dagster_project.state.approvals``): four eyes — the API refuses an approval by
the person who built the report, and of a report built from an incomplete run. The API writes the audit
entries of approvals and rejections itself; downloads of report files are audited here.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

import pandas as pd
import streamlit as st

from dagster_project.reports import manifest as mf
from dagster_project.reports.cli import report_problems
from dagster_project.state import approvals, open_state
from dashboards.auth import page_setup
from dashboards.downloads import granted_file
from dashboards.i18n import t
from dashboards.ui import flash, show_flash, show_frame, table

user = page_setup("approvals")
show_flash()

SHOWN = ("period", "kind", "status", "cutoff_at", "built_by", "built_at", "approved_by", "approved_at",
         "rejected_by", "rejected_reason", "sent_at", "acknowledged_by", "blocked_reason", "manifest_sha256")


def _inside(base: Path, relative: str) -> Path | None:
    """A file named by the manifest, only when it lies inside the report folder."""
    path = (base / relative).resolve()
    return path if path.is_file() and base.resolve() in path.parents else None


con = open_state()
try:
    reports = approvals.list_reports(con)
finally:
    con.close()
frame = pd.DataFrame([{k: r.get(k) for k in SHOWN} for r in reports], columns=list(SHOWN))
for name in [c for c in SHOWN if c.endswith("_at")]:  # ISO 8601 UTC text in the state store
    frame[name] = pd.to_datetime(frame[name], utc=True, format="ISO8601")
st.subheader(t("reports"))
table(frame, "reports")
if frame.empty:
    st.stop()

period = st.selectbox(t("report_month"), frame["period"].astype(str).tolist(), key="ap_period")
report = next(r for r in reports if str(r["period"]) == period)
report_dir = Path(report["report_dir"])
manifest_path = report_dir / "manifest.json"
try:  # parsed as strictly as `report verify` does: a forged duplicate key is shown as an error
    manifest = mf.load_manifest(report_dir) if manifest_path.is_file() else {}
except mf.ManifestError as exc:
    st.error(str(exc))
    manifest = {}
if report.get("blocked_reason"):
    st.warning(t("blocked"))
    st.text(str(report["blocked_reason"]))

problems = report_problems(report_dir)
if problems:
    st.error(t("manifest_invalid"))
    st.text("\n".join(problems))
    manifest = {}
else:
    st.success(t("manifest_verified"))

files = manifest.get("files", [])
if files:
    st.text(f"{period} · {report['status']}")
    show_frame(pd.DataFrame(files))
    csvs = [f["path"] for f in files if str(f.get("path", "")).endswith(".csv")]
    if csvs:
        figure = st.selectbox("CSV", csvs, key="ap_csv")
        path = _inside(report_dir, figure)
        if path is not None:
            table(pd.read_csv(path, encoding="utf-8-sig"), f"report_{period}_{path.stem}", {"period": period})
    for f in files:
        path = _inside(report_dir, str(f.get("path", "")))
        if path is None or path.suffix.lower() not in {".pdf", ".xlsx"}:
            continue
        mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        data = granted_file(path.read_bytes, file_name=path.name, mimetype=mimetype, target=f"report:{period}",
                            detail={"file": path.name})
        st.download_button(path.name, data, path.name, mimetype, key=f"ap_file_{path.name}", on_click="ignore")
if manifest.get("data_quality"):
    st.json(manifest["data_quality"], expanded=False)

with st.form("approval", clear_on_submit=True):
    reason = st.text_area(t("reason"), key="ap_reason", max_chars=2000)
    c1, c2 = st.columns(2)
    # a folder that does not verify can be rejected, never approved
    do_approve = c1.form_submit_button(t("approve"), type="primary", disabled=bool(problems))
    do_reject = c2.form_submit_button(t("reject"))
if do_approve or do_reject:
    reason = (reason or "").strip()
    if do_reject and not reason:
        st.error(t("reason_required"))
    else:
        con = open_state()
        try:
            if do_approve:
                approvals.approve(con, period, user.name)
            else:
                approvals.reject(con, period, user.name, reason)
        except approvals.ApprovalError as exc:
            st.error(t("action_refused"))
            st.text(str(exc))
        else:
            flash(t("approved") if do_approve else t("rejected"))
        finally:
            con.close()

if report["status"] == "sent":
    with st.form("acknowledge", clear_on_submit=True):
        note = st.text_input(t("ack_note"), key="ap_ack_note", max_chars=500)
        do_ack = st.form_submit_button(t("acknowledge"))
    if do_ack:
        con = open_state()
        try:
            approvals.acknowledge(con, period, user.name, (note or "").strip() or None)
        except approvals.ApprovalError as exc:
            st.error(t("action_refused"))
            st.text(str(exc))
        else:
            flash(t("acknowledged"))
        finally:
            con.close()
