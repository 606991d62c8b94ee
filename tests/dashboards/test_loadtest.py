"""`make loadtest`: bounded, loopback only, and it really drives browsers through the four pages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from conftest import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "scripts"))

import loadtest  # noqa: E402


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(1, 21)]  # 1..20
    assert loadtest.percentile(values, 95) == 19.0
    assert loadtest.percentile(values, 50) == 10.0
    assert loadtest.percentile([3.0], 95) == 3.0
    assert loadtest.percentile([float(v) for v in range(1, 101)], 7) == 7.0  # no float rounding up a rank


def test_the_load_test_and_the_bench_share_one_percentile():
    from dagster_project.cli import bench_dashboards

    assert loadtest.percentile is bench_dashboards.percentile


def test_only_loopback_urls_are_loaded():
    loadtest.require_loopback("http://127.0.0.1:8501")
    loadtest.require_loopback("http://localhost:8501")
    with pytest.raises(SystemExit, match="not a loopback"):
        loadtest.require_loopback("http://192.0.2.10:8501")


@pytest.mark.parametrize("args", [["--users", "0"], ["--users", "33"], ["--rounds", "21"], ["--deadline", "5"],
                                  ["--url", "http://127.0.0.1:1"]])
def test_users_rounds_and_time_are_bounded(args):
    with pytest.raises(SystemExit):
        loadtest.parse_args(args)


@pytest.mark.browser
def test_two_users_visit_every_page_and_figures_are_printed(dash_data, tmp_path):
    from test_browser import _require_browser

    _require_browser()
    out = tmp_path / "figures.json"
    proc = subprocess.run([sys.executable, "scripts/loadtest.py", "--users", "2", "--deadline", "240",
                           "--warehouse", str(dash_data.warehouse), "--json", str(out)],
                          cwd=PROJECT_ROOT, env=dash_data.env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    figures = {row["page"]: row for row in json.loads(out.read_text())["pages"]}
    assert set(figures) == {"sign_in", "merchants", "complaints", "data_quality", "overview"}
    assert all(row["n"] == 2 and 0 < row["p50"] <= row["p95"] <= row["max"] for row in figures.values())
    assert "p95" in proc.stdout and "server CPU" in proc.stdout and "browsers CPU" in proc.stdout
    assert "renderer" in proc.stdout and "load average at start" in proc.stdout
    data = json.loads(out.read_text())
    # every visit ends after its run has finished, and has its renderer's CPU
    for page, times in data["visits"].items():
        assert all(r >= f for r, f in zip(times, data["visits_run_finished"][page], strict=True))
        assert len(data["visits_browser_cpu"][page]) == len(times) and all(c > 0 for c in data["visits_browser_cpu"][page])
    # the load run signs in with its own accounts on a private copy: the real state store is untouched
    assert not dash_data.state_db.exists() or "loadtest" not in dash_data.state_db.read_bytes().decode("latin-1")


def test_summary_keeps_the_run_end_and_the_browser_cpu_beside_the_page_time():
    results = loadtest.Results()
    for rendered, finished, cpu in ((1.0, 0.5, 0.25), (3.0, 2.0, 0.75)):
        results.add("merchants", loadtest.Visit(rendered, finished, cpu))
    results.add("overview", loadtest.Visit(0.4, 0.4, None))  # no CDP figure: no mean is made up
    rows = {row["page"]: row for row in loadtest.summary_rows(results)}
    assert rows["merchants"] == {"page": "merchants", "n": 2, "p50": 2.0, "p95": 3.0, "max": 3.0,
                                 "finished_p95": 2.0, "browser_cpu_mean": 0.5}
    assert rows["overview"]["browser_cpu_mean"] is None and rows["overview"]["finished_p95"] == 0.4


def test_descendants_cpu_counts_children_that_have_ended_and_leaves_out_the_server():
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.4: pass\n"
    server = subprocess.Popen([sys.executable, "-c", burn + "time.sleep(30)"])
    try:
        with loadtest.DescendantsCpu(exclude=server.pid, interval=0.05) as browsers:
            subprocess.run([sys.executable, "-c", burn], check=True)  # ends before the sampler stops
            child = subprocess.Popen([sys.executable, "-c", burn + "time.sleep(0.5)"])
            child.wait()
    finally:
        server.kill()
        server.wait()
    assert 0.7 <= browsers.seconds < 1.6, browsers.seconds  # the two children, not the excluded one
    assert sum(browsers.by_kind().values()) == pytest.approx(browsers.seconds)
    assert set(browsers.by_kind()) <= {"python", "python3", "python3.11", "?"}


def test_descendants_cpu_samples_once_more_at_the_end():
    """Sampled rarely (once a second), a process still running at the end is read once more then."""
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.4: pass\ntime.sleep(30)\n"
    child = None
    try:
        with loadtest.DescendantsCpu(exclude=-1, interval=3600) as browsers:  # the thread never samples
            child = subprocess.Popen([sys.executable, "-c", burn])
            deadline = time.monotonic() + 30
            while (loadtest.cpu_seconds(child.pid) or 0.0) < 0.4 and time.monotonic() < deadline:
                time.sleep(0.05)
        assert browsers.seconds >= 0.35, browsers.seconds
    finally:
        if child is not None:
            child.kill()
            child.wait()


def test_process_kind_reads_chromiums_type_argument():
    assert loadtest.process_kind(os.getpid()).startswith("python")
    assert loadtest.process_kind(2 ** 22 + 7) == "?"  # no such process


MIMIC_PAGE = """<div data-testid="stApp" data-test-script-state="running"><h1>old</h1></div>"""


def _run_ends_after_100_ms(content: str, after_end: str = "") -> str:
    """JavaScript for a run that, 100 ms after the click, shows ``content`` and leaves "running";
    ``after_end`` runs once it has (what draws later). Chained, not two timers set at the click: on a
    busy machine both could fire late and together, and the gap the tests measure would vanish."""
    return ("() => { const app = document.querySelector('[data-testid=\"stApp\"]');"
            f" setTimeout(() => {{ app.innerHTML = '{content}';"
            " app.setAttribute('data-test-script-state', 'notRunning');" + after_end + " }, 100); }")


def _mimic_visit(navigate: str, route: tuple[str, object] | None = None) -> loadtest.Visit:
    """One visit timed by VISIT_WATCHER on a page that mimics Streamlit: ``navigate`` (JavaScript) swaps
    the app root's content and state as a run would; ``route`` (URL, async handler) serves a resource."""
    import asyncio
    import urllib.parse

    from test_browser import _require_browser

    _require_browser()

    async def visit() -> loadtest.Visit:
        from playwright.async_api import async_playwright

        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=loadtest.CHROMIUM, args=loadtest.CHROMIUM_ARGS)
            try:
                page = await browser.new_page()
                if route:
                    await page.route(*route)
                await page.add_init_script(loadtest.VISIT_WATCHER)
                await page.goto("data:text/html;charset=utf-8," + urllib.parse.quote(MIMIC_PAGE))  # runs init scripts
                await page.evaluate("(title) => window.__rwArm(title)", "商家处置")
                await page.evaluate(navigate)
                return await loadtest.wait_run(page, "商家处置", 10_000)
            finally:
                await browser.close()

    return asyncio.run(visit())


@pytest.mark.browser
def test_a_visit_ends_when_its_chart_is_drawn_not_when_the_run_ends():
    """The app root leaves "running" first, the chart draws 400 ms after that. The visit's time is the
    drawing, and the run's end is kept beside it. (Relative to the run's end, not the click: CI's timers
    fire late under load, never early.)"""
    result = _mimic_visit(_run_ends_after_100_ms('<h1>商家处置</h1><div data-testid="stVegaLiteChart"></div>', """
      setTimeout(() => { document.querySelector('[data-testid="stVegaLiteChart"]').innerHTML = '<svg></svg>'; }, 400);"""))
    assert result.finished >= 0.05, result
    assert result.rendered >= result.finished + 0.35, result


@pytest.mark.browser
def test_a_visit_ends_when_its_chart_image_is_decoded():
    """A server-drawn chart is an ``<img class="rw-chart">``: the visit is over once it has loaded, not
    when it enters the page (no DOM change marks its load; the watcher listens for the load event).
    Here the image is served 500 ms after it is asked for."""
    import asyncio

    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20"/></svg>'

    async def slow_chart(route) -> None:
        await asyncio.sleep(0.5)
        await route.fulfill(status=200, content_type="image/svg+xml", body=svg)

    result = _mimic_visit(_run_ends_after_100_ms('<h1>商家处置</h1><img class="rw-chart" src="http://rw.test/chart.svg">'),
                          ("http://rw.test/chart.svg", slow_chart))
    assert result.finished >= 0.05, result
    assert result.rendered >= result.finished + 0.45, result  # asked for at the run's end, served 0.5 s on
