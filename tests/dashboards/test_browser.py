"""Real-browser tests: Python Playwright driving Debian's Chromium against `streamlit run dashboards/server.py`
(the app behind ServeGuard, as `rightswatch serve` runs it).

Every role signs in, opens every page it has, switches language, and each view is screenshotted to
``test-artifacts/browser/``. A complaint description holding markup and a spreadsheet formula must
show as plain text on the page and stay text in the CSV and XLSX downloads; downloads are audited.
Warm page-load times are written to ``test-artifacts/browser/timings.json``.

Under ``CI=true`` these tests run or fail, never skip. Without CI they are skipped only when
Chromium or Playwright is missing.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import PROJECT_ROOT, ROLES, password_of
from fake_warehouse import HOSTILE_DESCRIPTION, HOSTILE_ID

from dashboards import serving
from dashboards.auth import PAGES

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("RW_CHROMIUM", "/usr/bin/chromium")
SERVED_APP = PROJECT_ROOT / "dashboards" / "server.py"  # what `rightswatch serve` runs: app.py behind ServeGuard
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "browser"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TITLES = {
    "zh": {"overview": "总览", "complaints": "投诉查询", "refunds": "退款与退货", "price": "价格诚信",
           "privacy": "个人信息权利请求",
           "merchants": "商家处置", "data_quality": "数据质量", "approvals": "报告审批", "audit": "审计日志"},
    "en": {"overview": "Overview", "complaints": "Complaints explorer", "refunds": "Refunds and returns",
           "price": "Price honesty", "privacy": "Personal-information requests", "merchants": "Merchants",
           "data_quality": "Data quality",
           "approvals": "Report approvals", "audit": "Audit log"},
}


def _require_browser() -> None:
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(f"chromium at {CHROMIUM}")
    try:
        import playwright.sync_api  # noqa: F401
    except ModuleNotFoundError:
        missing.append("python playwright")
    if missing:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"browser tests must run under CI but {', '.join(missing)} is missing")
        pytest.skip(f"{', '.join(missing)} missing (install: apt-get install chromium fonts-noto-cjk; pip install playwright)")



@pytest.fixture(scope="module")
def server(dash_data) -> Iterator[str]:
    _require_browser()
    port = serving.free_port()
    log = (dash_data.root / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(SERVED_APP), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=PROJECT_ROOT, env=dash_data.env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        if not serving.wait_until_healthy(url, proc):
            raise AssertionError("streamlit did not start:\n"
                                 + (dash_data.root / "streamlit.log").read_text()[-4000:])
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 2000}, accept_downloads=True,
                                  locale="zh-CN")
    p = context.new_page()
    p.dialogs = []
    p.on("dialog", lambda d: (p.dialogs.append(d.message), d.dismiss()))
    p.goto(server)
    yield p
    context.close()


def _idle(page, timeout: float = 30_000) -> None:
    """Wait until the script run finished (Streamlit's running indicator is gone)."""
    page.wait_for_timeout(150)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state')"
        " !== 'running'", timeout=timeout)


def _title(page, text: str, timeout: float = 30_000) -> None:
    page.locator("h1", has_text=text).first.wait_for(timeout=timeout)


def _sign_in(page, name: str, password: str | None = None) -> None:
    _title(page, "请先登录")
    page.locator('input[aria-label="用户名"]').fill(name)
    page.locator('input[aria-label="密码"]').fill(password or password_of(name))
    page.get_by_role("button", name="登录").click()
    _title(page, "总览")
    _idle(page)


def _open(page, page_id: str, lang: str) -> float:
    """Click the page in the sidebar; seconds until its title is shown and the run has finished."""
    start = time.perf_counter()
    page.locator('[data-testid="stSidebarNav"] a', has_text=TITLES[lang][page_id]).first.click()
    _title(page, TITLES[lang][page_id])
    _idle(page)
    return time.perf_counter() - start


def _switch_language(page, lang: str) -> None:
    label = {"zh": "中文", "en": "English"}[lang]
    page.locator('[data-testid="stSidebar"] label', has_text=label).first.click()
    _idle(page)


def _shot(page, name: str) -> Path:
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_every_role_in_both_languages(page, role):
    _sign_in(page, role)
    mine = [p.page_id for p in PAGES if role in p.roles]
    links = page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
    assert sorted(x.strip().splitlines()[-1] for x in links) == sorted(TITLES["zh"][p] for p in mine)
    timings: dict[str, dict[str, float]] = {}
    for lang in ("zh", "en"):
        if lang == "en":
            _switch_language(page, "en")
        for page_id in mine:
            cold = _open(page, page_id, lang)
            assert not page.locator('[data-testid="stException"]').count(), (role, page_id, lang)
            _shot(page, f"{role}_{page_id}_{lang}")
            if lang == "en":
                other = next(p for p in mine if p != page_id) if len(mine) > 1 else page_id
                _open(page, other, lang)
                warm = _open(page, page_id, lang)
                timings[page_id] = {"first": round(cold, 3), "warm": round(warm, 3)}
    body = page.locator("body").inner_text()
    assert "请先登录" not in body
    results = ARTIFACTS / "timings.json"
    data = json.loads(results.read_text()) if results.exists() else {}
    data[role] = timings
    results.write_text(json.dumps(data, indent=2, sort_keys=True))
    assert max(v["warm"] for v in timings.values()) < 5, timings
    assert not page.dialogs


def test_pages_hold_still(page):
    """No animation or transition runs: the sidebar and a page element compute to none / 0 s."""
    _sign_in(page, "manager")
    styles = page.evaluate("""() => ['[data-testid="stSidebar"]', 'h1'].map(s => {
        const c = getComputedStyle(document.querySelector(s));
        return [c.animationName, c.transitionDuration]; })""")
    assert styles == [["none", "0s"], ["none", "0s"]], styles


def test_nothing_before_sign_in_and_wrong_password(page):
    _title(page, "请先登录")
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0
    assert page.locator('[data-testid="stDataFrame"], .rw-table, img.rw-chart').count() == 0
    page.locator('input[aria-label="用户名"]').fill("analyst")
    page.locator('input[aria-label="密码"]').fill("wrong-password-123")
    page.get_by_role("button", name="登录").click()
    page.locator('[data-testid="stAlert"]', has_text="用户名或密码错误").wait_for()
    assert page.locator('[data-testid="stDataFrame"], .rw-table, img.rw-chart').count() == 0
    _shot(page, "sign_in_refused")


def test_hostile_description_is_text_on_page_and_in_downloads(page, dash_data):
    _sign_in(page, "analyst")
    _switch_language(page, "en")
    _open(page, "complaints", "en")
    # the planted complaint is a copy of the newest one, so it is inside the default month range
    pick = page.locator('[data-testid="stSelectbox"]', has_text="Show complaint")
    pick.locator("input").fill(HOSTILE_ID)
    page.keyboard.press("Enter")
    _idle(page)
    shown = page.locator('[data-testid="stText"]', has_text="HYPERLINK").first
    shown.wait_for()
    assert shown.inner_text().strip() == HOSTILE_DESCRIPTION
    assert page.locator("b", has_text="bold").count() == 0
    assert page.evaluate("() => [...document.scripts].some(s => s.textContent.includes('alert(\"rw\")'))") is False
    assert not page.dialogs
    _shot(page, "hostile_description")
    _idle(page)  # a click while the selection's rerun still replaces the button is lost

    with page.expect_download() as dl:
        page.get_by_role("button", name="Download CSV (UTF-8)").first.click()
    data = Path(dl.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)
    assert frame.loc[frame["Complaint id"] == HOSTILE_ID, "Description"].tolist() == ["'" + HOSTILE_DESCRIPTION]
    assert not [v for v in frame["Description"] if str(v).startswith(("=", "+", "-", "@"))]
    (ARTIFACTS / "complaints.csv").write_bytes(data)
    _idle(page)

    with page.expect_download() as dl:
        page.get_by_role("button", name="Download XLSX").first.click()
    book = openpyxl.load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes()))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    ids = header.index("Complaint id") + 1
    column = header.index("Description") + 1
    hostile = [sheet.cell(row=r, column=column) for r in range(2, sheet.max_row + 1)
               if sheet.cell(row=r, column=ids).value == HOSTILE_ID]
    assert len(hostile) == 1 and hostile[0].data_type == "s"
    assert hostile[0].value == "'" + HOSTILE_DESCRIPTION
    # no text cell anywhere (the generator plants hostile descriptions too) is left for Excel to run
    texts = [c.value for row in sheet.iter_rows(min_row=2) for c in row if c.data_type == "s" and c.value]
    assert not [v for v in texts if v.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    _idle(page)

    con = sqlite3.connect(dash_data.state_db)
    rows = con.execute("SELECT actor, target, detail FROM audit_log WHERE action = 'download' "
                       "ORDER BY id DESC LIMIT 2").fetchall()
    con.close()
    assert {(a, t) for a, t, _ in rows} == {("analyst", "complaints")}
    assert {json.loads(d)["format"] for _, _, d in rows} == {"csv-utf8", "xlsx"}


def test_chinese_chart_titles_render(page):
    """The landing page's chart is an image of server-drawn SVG whose Chinese text the browser draws."""
    _sign_in(page, "manager")
    chart = page.locator("img.rw-chart").first
    chart.wait_for()
    chart.scroll_into_view_if_needed()
    page.wait_for_function("() => { const i = document.querySelector('img.rw-chart'); "
                           "return i && i.complete && i.naturalWidth > 300; }")
    assert "月度趋势" in chart.get_attribute("alt")
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == 0
    path = ARTIFACTS / "chart_zh.png"
    chart.screenshot(path=str(path))
    assert path.stat().st_size > 2000
    assert shutil.which("fc-list") is None or "Noto Sans CJK" in subprocess.run(
        ["fc-list", ":lang=zh"], capture_output=True, text=True).stdout


def test_filters_behind_a_button_hold_while_it_is_closed(page):
    """Complaints' facet filters are drawn only when their popover opens; a value chosen there filters the
    page, is counted on the button, and holds through a rerun made while the popover is closed."""
    _sign_in(page, "manager")
    _open(page, "complaints", "zh")
    count = page.locator('[data-testid="stMetricValue"]').first
    everything = count.inner_text()
    assert page.locator('[data-testid="stMultiSelect"]').count() == 0
    button = page.locator('[data-testid="stPopoverButton"]').first
    button.click()
    page.locator('[data-testid="stPopoverBody"] [data-testid="stMultiSelect"]').nth(5).wait_for()
    page.locator('[data-testid="stMultiSelect"]', has_text="渠道").first.click()
    page.locator('[role="option"]', has_text="email").first.click()
    _idle(page)
    button.click()  # closes it again
    page.locator('[data-testid="stPopoverBody"]').wait_for(state="detached")
    _idle(page)
    filtered = count.inner_text()
    assert int(filtered.replace(",", "")) < int(everything.replace(",", "")), (everything, filtered)
    assert "已选 1 项" in button.inner_text()
    page.locator('[data-testid="stSidebar"] label', has_text="交互式表格与图表").first.click()
    _idle(page)
    assert page.locator('[data-testid="stMultiSelect"]').count() == 0
    assert count.inner_text() == filtered and "已选 1 项" in button.inner_text()


def test_interactive_views_hold_across_pages(page):
    """The sidebar toggle swaps the server-built table and chart for the data grid and Vega-Lite, and the
    choice stays with the session from page to page."""
    _sign_in(page, "manager")
    _switch_language(page, "en")
    _open(page, "complaints", "en")
    assert page.locator(".rw-table").count() == 1 and page.locator("img.rw-chart").count() == 1
    page.locator('[data-testid="stSidebar"] label', has_text="Interactive tables and charts").first.click()
    _idle(page)
    page.locator('[data-testid="stDataFrame"] canvas').first.wait_for()
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    assert page.locator(".rw-table").count() == 0 and page.locator("img.rw-chart").count() == 0
    _open(page, "overview", "en")
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    assert page.locator("img.rw-chart").count() == 0
    _shot(page, "interactive_overview")
