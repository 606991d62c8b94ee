"""Dashboard load test: N managers at once, page time measured in the browser until the run has ended and the page is drawn.

``make loadtest`` (or ``python scripts/loadtest.py``) serves the published warehouse named by
``RW_WAREHOUSE`` on loopback, with a private copy of it and throw-away manager accounts (so the load
run writes no sign-ins into the real audit log), then drives Debian's Chromium through Python
Playwright: each simulated user signs in, then opens merchants, complaints, data quality and overview
(``--rounds`` times). Chromium runs at low priority (``nice``) so the server gets the CPU first, as a
room of people on their own machines would leave it.

A page's time is taken inside the browser: ``performance.now()`` at the sidebar click, until the first
animation frame in which Streamlit's app root (``data-test-script-state``) has left ``running`` after
the run that click started and the page's content is drawn (its title, no element left from the
previous page, every chart and data grid drawn), watched by MutationObservers rather than a polling
loop (see VISIT_WATCHER). The script prints
n, p50, p95 and max per page, the p95 until the run finished alone, each visit's browser CPU
(its renderer process's CPU seconds, CDP ``Performance.getMetrics`` ProcessTime), the server's and the browsers'
CPU seconds and the load average, so a run on a shared machine can be read by CPU, not only wall time.

Bounded: at most ``MAX_USERS`` users, ``--deadline`` seconds in all; loopback addresses only.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from dagster_project.cli.bench_dashboards import percentile  # noqa: E402
from dashboards import serving  # noqa: E402
from dashboards.serving import streamlit_command  # noqa: E402

MAX_USERS = 32
CHROMIUM = os.environ.get("RW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-extensions", "--disable-dev-shm-usage", "--mute-audio"]
# The pages a manager visits after sign-in, in order, with their Chinese titles (the default language).
VISIT: tuple[tuple[str, str], ...] = (("merchants", "商家处置"), ("complaints", "投诉查询"),
                                      ("data_quality", "数据质量"), ("overview", "总览"))
SIGN_IN_TITLE, FIRST_PAGE_TITLE = "请先登录", "总览"

# Installed in every page before Streamlit's own code. It records every change of Streamlit's script
# state with its in-page time, and offers ``__rwArm(title)``: from then on, each animation frame that
# follows a change of the page (a MutationObserver; no polling loop, which would make the browser draw
# frames a real user's browser does not) checks whether the visit is over, and stores the times in
# ``__rwVisitDone`` once it is. A visit is over when Streamlit's run has finished AND its content is on
# screen: the page's title is shown, the app root is not "running", no status widget and no element of
# the previous run (stale) is left, every chart image is decoded, and (interactive views) every
# Vega-Lite chart has drawn its canvas or SVG and every data grid its canvas (both draw after the run's
# last message, asynchronously). "rendered" is the in-page
# time of the first frame in which all of that held; "finished", for comparison, the last change of
# the app root out of "running" after the click (what this script measured before; React may batch a
# quick run so that "running" never reaches the DOM, and then it is the same frame). Every visit goes
# to a page with another title, so an old title cannot pass.
VISIT_WATCHER = """
(() => {
  window.__rwStates = [];
  window.__rwVisitDone = null;
  let visit = null, scheduled = false;
  const over = (app) => {
    if (app.getAttribute('data-test-script-state') === 'running') return false;
    if (document.querySelector('[data-testid="stStatusWidget"], [data-stale="true"], [data-testid="stSkeleton"]')) return false;
    if (![...document.querySelectorAll('h1')].some(h => h.textContent.includes(visit.title))) return false;
    const drawn = (sel, inner) => [...document.querySelectorAll(sel)].every(e => e.querySelector(inner));
    // server-drawn charts are images: drawn once decoded (their load event looks again)
    const pending = [...document.querySelectorAll('img.rw-chart')].filter(i => !i.complete);
    pending.forEach(i => i.addEventListener('load', changed, {once: true}));
    if (pending.length) return false;
    return drawn('[data-testid="stVegaLiteChart"]', 'canvas, svg') && drawn('[data-testid="stDataFrame"]', 'canvas');
  };
  const check = () => {
    scheduled = false;
    const app = document.querySelector('[data-testid="stApp"]');
    if (!visit || !app || !over(app)) return;
    const now = performance.now();
    let end = now;
    const states = window.__rwStates;  // from the state the click found on, to now
    for (let i = 1; i < states.length; i++) {
      if (states[i][0] >= visit.t0 && states[i - 1][1] === 'running' && states[i][1] !== 'running') end = states[i][0];
    }
    window.__rwVisitDone = {rendered: (now - visit.t0) / 1000, finished: (end - visit.t0) / 1000};
    visit = null;
  };
  const changed = () => { if (visit && !scheduled) { scheduled = true; requestAnimationFrame(check); } };
  window.__rwArm = (title) => {
    visit = {t0: performance.now(), title};
    window.__rwVisitDone = null;
    changed();
    return visit.t0;
  };
  const start = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) { setTimeout(start, 20); return; }
    const note = () => window.__rwStates.push([performance.now(), app.getAttribute('data-test-script-state')]);
    note();
    new MutationObserver(note).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
  };
  const observe = () => {
    new MutationObserver(changed).observe(document.documentElement,
                                          {subtree: true, childList: true, attributes: true, characterData: true});
    start();
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', observe); else observe();
})();
"""

CLICK_LINK = """
(title) => {
  const link = [...document.querySelectorAll('[data-testid="stSidebarNav"] a')]
      .find(a => a.textContent.trim().endsWith(title));
  if (!link) throw new Error('no sidebar link ' + title);
  window.__rwArm(title);
  link.click();
}
"""


@dataclass
class Results:
    times: dict[str, list[float]] = field(default_factory=dict)        # click to rendered (the figure)
    finished: dict[str, list[float]] = field(default_factory=dict)     # click to run finished only
    browser_cpu: dict[str, list[float]] = field(default_factory=dict)  # renderer process CPU per visit
    errors: list[str] = field(default_factory=list)

    def add(self, page: str, visit: Visit) -> None:
        self.times.setdefault(page, []).append(visit.rendered)
        self.finished.setdefault(page, []).append(visit.finished)
        if visit.cpu is not None:
            self.browser_cpu.setdefault(page, []).append(visit.cpu)


@dataclass(frozen=True)
class Visit:
    rendered: float         # seconds from click until the run finished and its content is drawn
    finished: float         # seconds from click until the app root left "running"
    cpu: float | None       # the tab's renderer CPU seconds over the same span (CDP ProcessTime)


def summary_rows(results: Results) -> list[dict[str, float | int | str]]:
    rows = []
    for page in ["sign_in", *[p for p, _ in VISIT]]:
        values = results.times.get(page, [])
        if values:
            finished, cpu = results.finished.get(page, []), results.browser_cpu.get(page, [])
            rows.append({"page": page, "n": len(values), "p50": round(statistics.median(values), 3),
                         "p95": round(percentile(values, 95), 3), "max": round(max(values), 3),
                         "finished_p95": round(percentile(finished, 95), 3) if finished else None,
                         "browser_cpu_mean": round(statistics.fmean(cpu), 3) if cpu else None})
    return rows


def print_summary(results: Results, users: int, wall: float) -> None:
    print(f"\n{users} user(s), wall time {wall:.1f}s; seconds from click until Streamlit's run finished and "
          "the page is drawn\n(p95 run-end: until the run finished only; cpu: mean CPU seconds of the tab's "
          "renderer per visit)")
    print(f"{'page':<14}{'n':>5}{'p50':>9}{'p95':>9}{'max':>9}{'p95 run-end':>13}{'cpu':>8}")
    for row in summary_rows(results):
        cpu = f"{row['browser_cpu_mean']:>8.3f}" if row["browser_cpu_mean"] is not None else f"{'-':>8}"
        print(f"{row['page']:<14}{row['n']:>5}{row['p50']:>9.3f}{row['p95']:>9.3f}{row['max']:>9.3f}"
              f"{row['finished_p95']:>13.3f}{cpu}")
    every = [v for p, vs in results.times.items() if p != "sign_in" for v in vs]
    if every:
        finished = [v for p, vs in results.finished.items() if p != "sign_in" for v in vs]
        cpu = [v for p, vs in results.browser_cpu.items() if p != "sign_in" for v in vs]
        print(f"{'all pages':<14}{len(every):>5}{statistics.median(every):>9.3f}"
              f"{percentile(every, 95):>9.3f}{max(every):>9.3f}{percentile(finished, 95):>13.3f}"
              + (f"{statistics.fmean(cpu):>8.3f}" if cpu else ""))
    for error in results.errors:
        print(f"error: {error}")


def cpu_seconds(pid: int) -> float | None:
    """User+system CPU seconds of a process (Linux /proc), to tell server time from browser time."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class DescendantsCpu:
    """CPU seconds used by this process's descendants (the Playwright driver and its Chromium processes),
    except ``exclude`` (the server). Sampled from /proc in a thread, keeping each process's last figure,
    because renderer processes end with their user's browser context; and once more at the end.

    A sample reads the stat of every process on the machine (this kernel has no /proc/<pid>/task/*/children
    to walk the tree from), on the machine the test measures: once a second, not four times. What a process used in its last second before it
    ended is not seen; renderers live for a whole user's visits, so that is a small share of theirs."""

    def __init__(self, exclude: int, interval: float = 1.0) -> None:
        self.exclude, self.interval = exclude, interval
        self.seen: dict[int, float] = {}
        self.kind: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="browser-cpu", daemon=True)

    def sample(self) -> None:
        parents: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                parents.setdefault(int(fields[1]), []).append(int(entry))
        stack = [os.getpid()]
        while stack:
            for child in parents.get(stack.pop(), []):
                if child != self.exclude:
                    seconds = cpu_seconds(child)
                    if seconds is not None:
                        self.seen[child] = max(seconds, self.seen.get(child, 0.0))
                        kind = process_kind(child)  # each time: Debian's chromium is a script that execs
                        if kind != "?" or child not in self.kind:  # an exited process has no command line
                            self.kind[child] = kind
                    stack.append(child)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> DescendantsCpu:
        self.sample()
        self.at_start = dict(self.seen)
        self.before = sum(self.seen.values())
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()  # what the processes still running used since the last sample

    @property
    def seconds(self) -> float:
        return sum(self.seen.values()) - self.before

    def by_kind(self) -> dict[str, float]:
        """CPU seconds per kind of process (renderer, gpu-process, browser, driver...) since the start;
        processes seen at the start are counted from the start figure on."""
        totals: dict[str, float] = {}
        for pid, seconds in self.seen.items():
            start = self.at_start.get(pid, 0.0)
            totals[self.kind.get(pid, "?")] = totals.get(self.kind.get(pid, "?"), 0.0) + seconds - start
        return dict(sorted(totals.items(), key=lambda item: -item[1]))


def process_kind(pid: int) -> str:
    """Chromium's ``--type=`` of a process (renderer, gpu-process, utility...), "browser" for Chromium's
    main process, else the program's name (the Playwright driver is node)."""
    try:
        # Chromium rewrites its child processes' titles with spaces, not NULs, between the arguments
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").replace("\0", " ").split()
    except OSError:
        return "?"
    kind = next((a.split("=", 1)[1] for a in argv if a.startswith("--type=")), None)
    if kind:
        return kind
    if not argv:
        return "?"
    name = Path(argv[0]).name
    return "browser" if "chrom" in name else name


def require_loopback(url: str) -> None:
    host = urllib.parse.urlparse(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror as exc:
        raise SystemExit(f"loadtest: cannot resolve {host!r}: {exc}") from exc
    if not addresses or not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
        raise SystemExit(f"loadtest: {url} is not a loopback address; the load test only runs locally")


# --- the served copy -------------------------------------------------------------------------------


def wait_healthy(url: str, proc: subprocess.Popen | None, log: Path, timeout: float = 90) -> None:
    if not serving.wait_until_healthy(url, proc, timeout):
        raise SystemExit(f"loadtest: the dashboards did not start; log:\n{log.read_text()[-4000:]}")


def private_warehouse(source: Path, root: Path) -> Path:
    """A hard link (or copy) of the published file in a scratch directory: its own state and audit log."""
    target = root / "warehouse" / source.name
    target.parent.mkdir(parents=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
    return target


def make_accounts(users_file: Path, count: int) -> dict[str, str]:
    from dagster_project.state.users import add_user

    accounts = {f"loadtest{i + 1}": secrets.token_urlsafe(12) + "aA1!" for i in range(count)}
    for name, password in accounts.items():
        add_user(users_file, name, "manager", password)
    return accounts


@contextmanager
def served(warehouse: Path, count: int) -> Iterator[tuple[str, dict[str, str], int]]:
    """Serve a private copy of the warehouse on loopback with `count` fresh manager accounts."""
    with tempfile.TemporaryDirectory(prefix="rw-loadtest-") as tmp:
        root = Path(tmp)
        copy = private_warehouse(warehouse, root)
        accounts = make_accounts(root / "users.json", count)
        env = {k: v for k, v in os.environ.items() if not k.startswith("RW_")}
        env.update(RW_WAREHOUSE=str(copy), RW_USERS_FILE=str(root / "users.json"),
                   RW_REPORTS=str(root / "reports"), PYTHONPATH=str(PROJECT_ROOT))
        port = serving.free_port()
        log = root / "serve.log"
        command = streamlit_command(port, "127.0.0.1")
        with log.open("w") as out:
            proc = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, proc, log)
            yield url, accounts, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# --- the simulated users ---------------------------------------------------------------------------

async def renderer_cpu(cdp) -> float | None:
    """CPU seconds the tab's renderer process has used so far, all its threads (CDP Performance.getMetrics
    ProcessTime). Not TaskDuration: that is the main thread's busy wall time, inflated by a busy machine."""
    if cdp is None:
        return None
    metrics = (await cdp.send("Performance.getMetrics"))["metrics"]
    return next((m["value"] for m in metrics if m["name"] == "ProcessTime"), None)


async def wait_run(page, title: str, timeout_ms: float, cdp=None, cpu_before: float | None = None) -> Visit:
    """Wait until the visit armed by ``__rwArm(title)`` is over (see VISIT_WATCHER). The times are taken
    in the page; this side only looks every 50 ms whether they are there."""
    handle = await page.wait_for_function("() => window.__rwVisitDone", timeout=timeout_ms, polling=50)
    times = await handle.json_value()
    cpu_after = await renderer_cpu(cdp)
    cpu = cpu_after - cpu_before if cpu_after is not None and cpu_before is not None else None
    return Visit(float(times["rendered"]), float(times["finished"]), cpu)


async def one_user(browser, url: str, name: str, password: str, rounds: int, results: Results,
                   timeout_ms: float) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    try:
        page = await context.new_page()
        cdp = await context.new_cdp_session(page)
        await cdp.send("Performance.enable")
        await page.add_init_script(VISIT_WATCHER)
        await page.goto(url)
        await page.locator("h1", has_text=SIGN_IN_TITLE).first.wait_for(timeout=timeout_ms)
        await page.locator('input[aria-label="用户名"]').fill(name)
        await page.locator('input[aria-label="密码"]').fill(password)
        cpu = await renderer_cpu(cdp)
        await page.evaluate("(title) => window.__rwArm(title)", FIRST_PAGE_TITLE)
        await page.get_by_role("button", name="登录").click()
        results.add("sign_in", await wait_run(page, FIRST_PAGE_TITLE, timeout_ms, cdp, cpu))
        for _ in range(rounds):
            for page_id, title in VISIT:
                cpu = await renderer_cpu(cdp)
                await page.evaluate(CLICK_LINK, title)
                results.add(page_id, await wait_run(page, title, timeout_ms, cdp, cpu))
                if await page.locator('[data-testid="stException"]').count():
                    results.errors.append(f"{name}: {page_id} shows an exception")
    except Exception as exc:  # noqa: BLE001 - one failed user is reported, the others go on
        results.errors.append(f"{name}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    finally:
        await context.close()


async def drive(url: str, accounts: dict[str, str], rounds: int, deadline: float, nice: int) -> Results:
    from playwright.async_api import async_playwright

    results = Results()
    if nice:
        os.nice(nice)  # the driver and Chromium inherit it; the server was started before
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            tasks = [one_user(browser, url, name, password, rounds, results, timeout_ms=min(60, deadline) * 1000)
                     for name, password in accounts.items()]
            try:
                await asyncio.wait_for(asyncio.gather(*tasks), timeout=deadline)
            except TimeoutError:
                results.errors.append(f"deadline of {deadline:.0f}s reached; figures are partial")
        finally:
            await browser.close()
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--users", type=int, default=8, help=f"simulated managers at once (1..{MAX_USERS}, default 8)")
    p.add_argument("--rounds", type=int, default=1, help="times each user visits the four pages (default 1)")
    p.add_argument("--deadline", type=float, default=300, help="seconds the whole run may take (default 300)")
    p.add_argument("--nice", type=int, default=10, help="niceness of the browsers (default 10; 0 to disable)")
    p.add_argument("--warehouse", type=Path, default=None, help="published DuckDB (default RW_WAREHOUSE)")
    p.add_argument("--url", default=None, help="an already served loopback URL instead (accounts: --accounts)")
    p.add_argument("--accounts", type=Path, default=None,
                   help="with --url: JSON file {name: password} of manager accounts to sign in with")
    p.add_argument("--json", type=Path, default=None, help="also write the figures to this JSON file")
    args = p.parse_args(argv)
    if not 1 <= args.users <= MAX_USERS:
        p.error(f"--users must be between 1 and {MAX_USERS}")
    if not 1 <= args.rounds <= 20:
        p.error("--rounds must be between 1 and 20")
    if not 10 <= args.deadline <= 1800:
        p.error("--deadline must be between 10 and 1800 seconds")
    if args.url and not args.accounts:
        p.error("--url needs --accounts")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"loadtest: no Chromium at {CHROMIUM} (run scripts/install_system_deps.sh)")
    started = time.monotonic()
    print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)
    if args.url:
        require_loopback(args.url)
        accounts = dict(list(json.loads(args.accounts.read_text(encoding="utf-8")).items())[: args.users])
        results = asyncio.run(drive(args.url.rstrip("/"), accounts, args.rounds, args.deadline, args.nice))
    else:
        from dagster_project.settings import get_settings

        warehouse = (args.warehouse or get_settings().warehouse).expanduser().resolve()
        if not warehouse.exists():
            raise SystemExit(f"loadtest: no published warehouse at {warehouse}; run `rightswatch run` first")
        with served(warehouse, args.users) as (url, accounts, pid):
            require_loopback(url)
            print(f"serving {warehouse} on {url}; {args.users} user(s) x {args.rounds} round(s)", flush=True)
            before = cpu_seconds(pid)
            with DescendantsCpu(exclude=pid) as browsers:
                results = asyncio.run(drive(url, accounts, args.rounds, args.deadline, args.nice))
            after = cpu_seconds(pid)
            if before is not None and after is not None:
                print(f"server CPU during the run: {after - before:.1f}s")
            print(f"browsers CPU during the run: {browsers.seconds:.1f}s ("
                  + ", ".join(f"{kind} {seconds:.1f}" for kind, seconds in browsers.by_kind().items()) + ")")
    wall = time.monotonic() - started
    print_summary(results, args.users, wall)
    print("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    if args.json:
        args.json.write_text(json.dumps({"users": args.users, "rounds": args.rounds,
                                         "pages": summary_rows(results), "errors": results.errors,
                                         # every visit in the order it finished, to tell first visits from later ones
                                         "visits": {p: [round(v, 3) for v in vs] for p, vs in results.times.items()},
                                         "visits_run_finished": {p: [round(v, 3) for v in vs]
                                                                 for p, vs in results.finished.items()},
                                         "visits_browser_cpu": {p: [round(v, 3) for v in vs]
                                                                for p, vs in results.browser_cpu.items()}},
                                        indent=2))
    return 1 if results.errors else 0


if __name__ == "__main__":
    sys.exit(main())
