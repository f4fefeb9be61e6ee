"""Several dashboard processes behind HAProxy (deploy/haproxy.cfg), as people's browsers meet them.

Starts three Streamlit processes on 127.0.0.1:8601-8603 (deploy/serve.sh) sharing one published
database (a temporary build folder) and one workflow database on a throwaway PostgreSQL server,
HAProxy in the foreground on 127.0.0.1:8600, and a local OpenID Connect provider. Then:

- 30 concurrent sessions through the proxy the way a browser opens them: GET / (HAProxy sets
  the affinity cookie), the websocket /_stcore/stream with that cookie, a page run, a filter
  change, then a dropped and resumed websocket. Each session must meet one replica only (the
  cookie, the X-Replica header of every response, and HAProxy's log agree), resume its own
  Streamlit session on reconnect, and see no error;
- a reconnect to another replica would lose the session (why affinity is not optional);
- the database is rebuilt (`python -m etl build`, an atomic swap of the file) and each replica's
  open sessions serve the new build (how soon is printed), with no failed request;
- an office signs in through the proxy in a real browser (the OpenID Connect round trip needs
  affinity) and submits its return on one replica; a reviewer pinned to another replica sees it,
  because the workflow state lives in PostgreSQL, not in a process.

The websocket client is bench/streamlit_client.py, which speaks just enough of Streamlit's
protocol to run a page. Skips, saying why, without haproxy, PostgreSQL or chromium, or when
the ports are taken, except under CI (CI=true), where that fails. All traffic stays on 127.0.0.1;
every wait is bounded.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bench.streamlit_client import Session, first_visit, public_pages, region_state, warm
from core import paths
from tests.browser import CHROMIUM_ARGS, IDLE, drives, require, require_browser, sign_in
from tests.workflow_fixtures import postgres_server  # noqa: F401 - a fixture
from ui.site import PAGES

pytestmark = [pytest.mark.replicas, pytest.mark.browser]

REPO = paths.REPO_ROOT
HAPROXY_CFG = REPO / "deploy" / "haproxy.cfg"
SERVE = REPO / "deploy" / "serve.sh"
COOKIE = "STALKING_REPLICA"
SESSIONS = 30
FIRST_PAGE = PAGES[0].url_path  # the root URL forwards here
RUN_TIMEOUT_S = 60  # one script run, cold replicas included
# A guard against a hang, not a timing: how soon replicas follow a rebuild is printed here and
# measured by bench/capacity.py; a replica that never follows fails the test after this long.
SWAP_HANG_GUARD_S = 120
FORCE = "E23000027"
BUILD_RUN = re.compile(rb"Input files of run (\d+)")  # the Data and methods page names the latest build
ACCESS = """
[[office]]
email = "herts.office@example.org"
issuer = "{issuer}"
subject = "herts.office@example.org"
force = "E23000027"
[[reviewer]]
email = "reviewer@example.org"
issuer = "{issuer}"
subject = "reviewer@example.org"
"""


def _cfg() -> tuple[str, str, dict[str, int]]:
    """The proxy's URL, the stats URL and {server name: port}, as deploy/haproxy.cfg says."""
    text = HAPROXY_CFG.read_text()
    front = re.search(r"^frontend dashboard\n\s+bind (\S+)", text, re.M).group(1)
    stats = re.search(r"^listen stats\n\s+bind (\S+)", text, re.M).group(1)
    servers = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s+server (\S+) 127\.0\.0\.1:(\d+)", text, re.M)}
    return f"http://{front}", f"http://{stats}/;csv", servers


PROXY, STATS_CSV, REPLICAS = _cfg()


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _get(url: str, cookie: str | None = None, timeout: float = 10):
    req = urllib.request.Request(url, headers={"Cookie": f"{COOKIE}={cookie}"} if cookie else {})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.status, resp.headers, resp.read()


def _wait(predicate, timeout: float, what: str, procs=()) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in procs:
            if p.poll() is not None:
                raise AssertionError(f"{what}: {p.args[0]} exited with {p.returncode}")
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout:g} s")


def _stats() -> dict[str, dict[str, str]]:
    _, _, body = _get(STATS_CSV)
    lines = body.decode().lstrip("# ").splitlines()
    head = lines[0].split(",")
    rows = [dict(zip(head, line.split(","))) for line in lines[1:] if line]
    return {r["svname"]: r for r in rows if r["pxname"] == "streamlit" and r["svname"] not in ("FRONTEND", "BACKEND")}


@dataclass
class Cluster:
    env: dict[str, str]
    haproxy_log: Path
    replica_logs: dict[str, Path]
    issuer: str
    round_id: str


def _workflow_database(server: str) -> str:
    import sqlalchemy as sa

    name = f"replicas_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{server}/{name}"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, postgres_server):  # noqa: F811 - the fixture imported above
    drives("replicas")
    require(shutil.which("haproxy") is not None, "haproxy is not installed (Debian: apt-get install haproxy)")
    ports = [int(PROXY.rsplit(":", 1)[1]), int(STATS_CSV.split(":")[2].split("/")[0]), *REPLICAS.values()]
    taken = [p for p in ports if not _port_free(p)]
    require(not taken, f"ports {taken} on 127.0.0.1 are in use")
    check = subprocess.run(["haproxy", "-c", "-f", str(HAPROXY_CFG)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    from dev.signin import serve as serve_provider

    work = tmp_path_factory.mktemp("replicas")
    issuer, provider = serve_provider(0)
    (work / "access.toml").write_text(ACCESS.format(issuer=issuer), encoding="utf-8")
    secrets = work / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "{PROXY}/oauth2callback"\n'
        'cookie_secret = "one-cookie-secret-for-every-replica"\n'
        'client_id = "replicas"\nclient_secret = "replicas"\n'
        f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    env = dict(
        os.environ,
        STALKING_BUILD_DIR=str(work / "build"),
        STALKING_RETURNS_DIR=str(work / "returns"),
        STALKING_WORKFLOW_URL=_workflow_database(postgres_server),
        STALKING_ACCESS_FILE=str(work / "access.toml"),
        STALKING_FORM_KEY="replicas-form-key",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    subprocess.run(
        [sys.executable, "-m", "etl", "build"], cwd=REPO, env=env, check=True, capture_output=True, timeout=120
    )
    opened = subprocess.run(
        [sys.executable, "-m", "returns", "round", "open", "--title", "Replicas round"]
        + ["--as-at", "2026-11-30", "--due", "2027-01-31", "--forces", FORCE],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    round_id = opened.stdout.strip().split()[-1]

    procs: list[subprocess.Popen] = []
    logs = {}
    try:
        for name, port in REPLICAS.items():
            logs[name] = work / f"{name}.log"
            procs.append(
                subprocess.Popen(
                    [str(SERVE), "--server.address", "127.0.0.1", "--server.port", str(port)]
                    + ["--secrets.files", str(secrets)],
                    cwd=REPO,
                    env=env,
                    stdout=logs[name].open("wb"),
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        for port in REPLICAS.values():
            _wait(
                lambda port=port: _get(f"http://127.0.0.1:{port}/_stcore/health")[0] == 200,
                90,
                f"replica on port {port} healthy",
                procs,
            )
        haproxy_log = work / "haproxy.log"
        proxy = subprocess.Popen(
            ["haproxy", "-db", "-f", str(HAPROXY_CFG)],
            stdout=haproxy_log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        procs.append(proxy)
        _wait(
            lambda: all(r["status"] == "UP" for r in _stats().values()) and len(_stats()) == len(REPLICAS),
            30,
            "every replica UP in HAProxy",
            procs,
        )
        # Each replica runs every page once (pinned by cookie), as a first visitor would have.
        for name in REPLICAS:
            warm(PROXY, cookie=f"{COOKIE}={name}")
        yield Cluster(env, haproxy_log, logs, issuer, round_id)
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        provider.shutdown()


# ---------------------------------------------------------------- sessions through the proxy


def session(replica: str) -> Session:
    """A tab whose browser holds the affinity cookie of `replica`."""
    return Session(PROXY, cookie=f"{COOKIE}={replica}", timeout=RUN_TIMEOUT_S, keep_raw=True)


def _url_path(title: str) -> str:
    return next(p.url_path for p in PAGES if p.title == title)


@dataclass
class Outcome:
    index: int
    replicas: list[str] = field(default_factory=list)  # every replica named along the way
    resumed: bool = False
    runs: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


async def _visit(i: int, pages: list[tuple[str, str]], outcome: Outcome) -> None:
    rng = random.Random(i)
    page, query = rng.choice(pages)
    try:
        cookie, replica = await asyncio.to_thread(first_visit, PROXY, COOKIE)
        outcome.replicas += [cookie, replica]
        s = session(cookie)
        await s.connect()
        outcome.replicas.append(s.replica)
        outcome.runs.append(await s.run(page, query))
        first_id = s.session_id
        if s.region_id:  # a filter change reruns the script in the same session
            await asyncio.sleep(rng.uniform(0.2, 1.0))
            outcome.runs.append(await s.run(page, query, [region_state(s.region_id, ["Wales"])]))
        # A dropped websocket: the browser reconnects with the cookie and its session id.
        await s.close()
        await asyncio.sleep(rng.uniform(0.2, 1.0))
        await s.connect(resume=first_id)
        outcome.replicas.append(s.replica)
        outcome.runs.append(await s.run(page, query))
        outcome.resumed = bool(first_id) and s.session_id == first_id
        await s.close()
        if s.exceptions:
            outcome.errors.append(f"{s.exceptions} Streamlit exception(s) on {page or 'the home page'}")
    except TimeoutError:
        outcome.errors.append(f"a run did not finish in {RUN_TIMEOUT_S} s")
    except Exception as err:  # noqa: BLE001 - every failure is counted, none stops the others
        outcome.errors.append(f"{type(err).__name__}: {str(err)[:120]}")


def _log_lines(path: Path, pattern: str) -> list[str]:
    return [line for line in path.read_text(errors="replace").splitlines() if pattern in line]


# ---------------------------------------------------------------- the tests


def test_every_replica_is_healthy_behind_the_proxy(cluster):
    stats = _stats()
    assert sorted(stats) == sorted(REPLICAS)
    for name, row in stats.items():
        assert row["status"] == "UP", f"{name}: {row['status']} ({row.get('check_status')})"
        # "* L7OK": the last check passed and another is running now.
        assert row["check_status"].removeprefix("* ") == "L7OK", f"{name}: health check {row['check_status']}"
    status, headers, body = _get(PROXY + "/_stcore/health")
    assert (status, body) == (200, b"ok")
    assert headers["X-Replica"] in REPLICAS


def test_concurrent_sessions_each_stay_on_one_replica(cluster):
    pages = public_pages()
    outcomes = [Outcome(i) for i in range(SESSIONS)]
    started = time.monotonic()

    async def everyone():
        await asyncio.wait_for(
            asyncio.gather(*(_visit(i, pages, o) for i, o in enumerate(outcomes))), timeout=6 * RUN_TIMEOUT_S
        )

    asyncio.run(everyone())
    elapsed = time.monotonic() - started
    errors = [f"session {o.index}: {e}" for o in outcomes for e in o.errors]
    assert not errors, "\n".join(errors)

    per_replica = {name: 0 for name in REPLICAS}
    for o in outcomes:
        assert len(set(o.replicas)) == 1 and o.replicas[0] in REPLICAS, f"session {o.index} met {o.replicas}"
        assert o.resumed, f"session {o.index}: the reconnect did not resume its Streamlit session"
        per_replica[o.replicas[0]] += 1
    runs = sorted(r for o in outcomes for r in o.runs)
    print(
        f"\n{SESSIONS} sessions in {elapsed:.1f} s, {len(runs)} script runs, "
        f"p50 {runs[len(runs) // 2]:.2f} s, max {runs[-1]:.2f} s; sessions per replica: {per_replica}"
    )
    assert all(per_replica.values()), f"a replica got no session: {per_replica}"

    # HAProxy's own account: every websocket upgrade carried a valid cookie ("V" in the
    # termination state's persistence field) for the very server it was sent to.
    time.sleep(0.5)  # a tunnel is logged when it closes
    stream = _log_lines(cluster.haproxy_log, "/_stcore/stream")
    line = re.compile(rf"streamlit/(\S+) .* 101 .* {COOKIE}=(\S+) \S+ ..(.)(.) ")
    matched = [line.search(text) for text in stream]
    for text, match in zip(stream, matched):
        if match is not None:
            server, cookie, persistence, _ = match.groups()
            assert server == cookie and persistence == "V", text
    assert sum(m is not None for m in matched) >= 2 * SESSIONS, f"{len(stream)} websocket lines"


def test_a_reconnect_to_another_replica_would_lose_the_session(cluster):
    """Why affinity matters: a session's state lives in one process only."""
    names = list(REPLICAS)

    async def scenario():
        s = session(names[0])
        await s.connect()
        await s.run(FIRST_PAGE)
        first = s.session_id
        await s.close()
        other = session(names[1])  # the cookie of another replica, as a proxy without affinity might pick
        await other.connect(resume=first)
        await other.run(FIRST_PAGE)
        await other.close()
        back = session(names[0])
        await back.connect(resume=first)
        await back.run(FIRST_PAGE)
        await back.close()
        return first, other.session_id, back.session_id

    first, elsewhere, same = asyncio.run(scenario())
    assert elsewhere != first, "another replica resumed a session it never had"
    assert same == first, "the replica that had the session did not resume it"


def test_every_replica_serves_a_rebuilt_database_within_10_s(cluster):
    page = _url_path("Data and methods")

    async def scenario():
        sessions = {name: session(name) for name in REPLICAS}  # each pinned to its replica by the cookie
        for name, s in sessions.items():
            await s.connect()
            assert s.replica == name
            await s.run(page)
        before = {name: int(BUILD_RUN.search(s.raw).group(1)) for name, s in sessions.items()}
        assert len(set(before.values())) == 1, f"replicas disagree before the rebuild: {before}"

        build = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "etl",
            "build",
            cwd=REPO,
            env=cluster.env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await asyncio.wait_for(build.communicate(), timeout=120)
        assert build.returncode == 0, stderr.decode()
        swapped = time.monotonic()
        wanted = next(iter(before.values())) + 1

        async def until_new(name: str, s: Session) -> float:
            while time.monotonic() - swapped < SWAP_HANG_GUARD_S:
                await s.run(page)
                assert not s.exceptions, f"{name}: an exception after the swap"
                if int(BUILD_RUN.search(s.raw).group(1)) == wanted:
                    return time.monotonic() - swapped
                await asyncio.sleep(0.25)
            raise AssertionError(f"{name} still serves build run {before[name]} {SWAP_HANG_GUARD_S} s after the swap")

        seen = dict(zip(sessions, await asyncio.gather(*(until_new(n, s) for n, s in sessions.items()))))
        for s in sessions.values():
            await s.close()
        return before, wanted, seen

    before, wanted, seen = asyncio.run(scenario())
    print(
        f"\nbuild run {next(iter(before.values()))} -> {wanted}; seen by each replica after: "
        + ", ".join(f"{n} {t:.2f} s" for n, t in seen.items())
    )
    assert set(seen) == set(REPLICAS), "every replica served the new build without a restart"


# ---------------------------------------------------------------- sign-in and shared workflow state


def _idle(page) -> None:
    page.wait_for_selector(IDLE, timeout=60_000)


def _browser_session(browser, replica: str | None = None):
    """A browser context through the proxy; `replica` pins it to one replica from the first request."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    # The provider's own pages ask a CDN for a stylesheet: nothing may leave 127.0.0.1.
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/]).*"), lambda route: route.abort())
    if replica:
        context.add_cookies([{"name": COOKIE, "value": replica, "url": PROXY}])
    return context.new_page()


def _replica_of(page) -> str:
    return next(c["value"] for c in page.context.cookies(PROXY) if c["name"] == COOKIE)


def test_sign_in_through_the_proxy_and_a_submission_seen_from_another_replica(cluster):
    chromium = require_browser()
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            office = _browser_session(browser)
            sign_in(office, PROXY, cluster.issuer, "herts.office@example.org")
            office_replica = _replica_of(office)
            office.goto(f"{PROXY}/your-return")
            _idle(office)
            expect(office.get_by_role("heading", name="Your return")).to_be_visible()
            office.get_by_role("textbox", name=re.compile("Your name and role")).fill("Jane Smith, Policy Officer")
            office.get_by_role("textbox", name=re.compile(r"Signed off by")).fill("Chief Executive, OPCC")
            office.keyboard.press("Tab")
            _idle(office)
            office.get_by_role("button", name=re.compile("Submit for review")).click()
            _idle(office)
            expect(office.get_by_text(re.compile("Submitted for review"))).to_be_visible(timeout=30_000)
            assert _replica_of(office) == office_replica, "the office's browser moved replica"

            elsewhere = next(name for name in REPLICAS if name != office_replica)
            reviewer = _browser_session(browser, replica=elsewhere)
            sign_in(reviewer, PROXY, cluster.issuer, "reviewer@example.org")
            assert _replica_of(reviewer) == elsewhere
            reviewer.goto(f"{PROXY}/review-returns")
            _idle(reviewer)
            expect(reviewer.get_by_text(re.compile("Hertfordshire")).first).to_be_visible()
            expect(reviewer.get_by_text(re.compile("Sent by herts.office@example.org")).first).to_be_visible()
        finally:
            browser.close()
    # Both sign-ins' callbacks reached the replica that started them.
    callbacks = _log_lines(cluster.haproxy_log, "/oauth2callback")
    assert len(callbacks) >= 2 and all(" 302 " in line or " 303 " in line for line in callbacks), callbacks
