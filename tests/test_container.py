"""The container image (Containerfile), built and run with podman, with no network at all.

Builds the image (about 1.5 min on 2 cores; or uses STALKING_TEST_IMAGE, an image already
built), runs it with `--network none`, a read-only root file system, one state volume and a
mounted secrets.toml, and checks what a person and an operator would: the health check, a page
drawn in headless Chromium with sign-in offered, a briefing pack exported inside the container
with its PNG charts, a return imported into the volume and served without a restart, a second
container on the same volume, and that nothing outside the volume and /tmp was written.

The browser reaches the container through deploy/netns_forward.py: a loopback port on the
host whose connections are opened inside the container's network namespace (root only).

Without a registry, the base image is made from Debian packages (debootstrap, as
STALKING_TEST_BASE_IMAGE says, default localhost/bookworm-base:latest) when podman does not
have it yet. Podman on this kind of machine needs `--runtime runc` and explicit ulimits
(see ../shared/PITFALLS.md); both are used when runc is installed.

Skips, saying why, without podman, root or chromium, except under CI (CI=true), where that
fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
import uuid
import zipfile
from pathlib import Path

import pytest

from core import paths
from tests.browser import CHROMIUM_ARGS, drives, require, require_browser

pytestmark = [pytest.mark.container, pytest.mark.browser]

REPO = paths.REPO_ROOT
BASE_IMAGE = os.environ.get("STALKING_TEST_BASE_IMAGE", "localhost/bookworm-base:latest")
PORT = 8501
STATE = "/var/lib/stalking"
SECRETS = """[auth]
redirect_uri = "http://127.0.0.1:8501/oauth2callback"
cookie_secret = "a-container-test-cookie-secret"
client_id = "container-test"
client_secret = "container-test"
server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"
"""


def podman(*args: str, check: bool = True, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    result = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout, **kw)
    if check and result.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def runtime_args() -> list[str]:
    """What podman needs on this kind of machine (see ../shared/PITFALLS.md, Containers)."""
    args = ["--runtime", "runc"] if shutil.which("runc") else []
    return args + ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=4096:4096"]


def _ca_bundle() -> str | None:
    """The CA bundle pip trusts on the host (a TLS-intercepting proxy's CA may be in it)."""
    for candidate in (
        os.environ.get("PIP_CERT"),
        os.environ.get("SSL_CERT_FILE"),
        "/etc/ssl/certs/ca-certificates.crt",
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def ensure_base_image() -> None:
    """A Debian bookworm base image, made with debootstrap when podman has none (no registry here)."""
    if podman("image", "exists", BASE_IMAGE, check=False).returncode == 0:
        return
    require(
        shutil.which("debootstrap") is not None,
        f"no base image {BASE_IMAGE} and no debootstrap to make one (apt-get install debootstrap)",
    )
    with tempfile.TemporaryDirectory(prefix="bookworm-rootfs-") as rootfs:
        subprocess.run(
            ["debootstrap", "--variant=minbase", "bookworm", rootfs], check=True, capture_output=True, timeout=900
        )
        for junk in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for path in Path(rootfs, junk).glob("*"):
                if path.is_file():
                    path.unlink()
        tar = subprocess.Popen(["tar", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(
            ["podman", "import", "-", BASE_IMAGE], stdin=tar.stdout, check=True, capture_output=True, timeout=600
        )
        tar.wait()


def build_image(tag: str) -> None:
    args = [
        "build",
        *runtime_args(),
        "--network",
        "host",
        "--format",
        "docker",
        "--build-arg",
        f"BASE_IMAGE={BASE_IMAGE}",
        "-t",
        tag,
        "-f",
        str(REPO / "Containerfile"),
    ]
    if ca := _ca_bundle():
        args += ["--secret", f"id=ca_bundle,src={ca}"]
    podman(*args, str(REPO), timeout=1800)


@pytest.fixture(scope="module")
def image() -> str:
    drives("container")
    require(shutil.which("podman") is not None, "podman is not installed (Debian: apt-get install podman runc)")
    require(os.geteuid() == 0, "the container tests run as root (the forwarder enters the container's network)")
    if prebuilt := os.environ.get("STALKING_TEST_IMAGE"):
        yield prebuilt
        return
    ensure_base_image()
    tag = f"localhost/stalking-dashboard:test-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    build_image(tag)
    size = json.loads(podman("image", "inspect", tag).stdout)[0]["Size"]
    print(f"\nbuilt {tag} in {time.monotonic() - started:.0f} s, {size / 1e9:.2f} GB")
    yield tag
    podman("rmi", "-f", tag, check=False)


@pytest.fixture(scope="module")
def container(image: str, tmp_path_factory):
    require_browser()
    from deploy.netns_forward import Forwarder

    name = f"stalking-test-{uuid.uuid4().hex[:8]}"
    volume = f"{name}-state"
    secrets = tmp_path_factory.mktemp("secrets") / "secrets.toml"
    secrets.write_text(SECRETS, encoding="utf-8")
    secrets.chmod(0o644)  # read by the container's non-root user
    podman("volume", "create", volume)
    try:
        started = time.monotonic()
        podman(
            "run",
            "-d",
            "--name",
            name,
            *runtime_args(),
            "--network",
            "none",
            "--read-only",
            "--tmpfs",
            "/tmp:rw,size=512m,mode=1777",
            "-v",
            f"{volume}:{STATE}",
            "-v",
            f"{secrets}:/app/.streamlit/secrets.toml:ro",
            "--health-interval",
            "disable",  # no systemd timers here: health is checked on demand
            image,
        )
        # A guard against a hang, not a timing (the time to healthy is printed below): 5 minutes.
        deadline = time.monotonic() + 300
        while podman("healthcheck", "run", name, check=False).returncode != 0:
            state = podman("inspect", "-f", "{{.State.Status}}", name).stdout.strip()
            assert state == "running", f"container {state}:\n{podman('logs', name, check=False).stderr}"
            assert time.monotonic() < deadline, (
                "not healthy within 5 minutes:\n" + podman("logs", name, check=False).stderr
            )
            time.sleep(0.5)
        print(f"\nhealthy {time.monotonic() - started:.1f} s after podman run")
        pid = podman("inspect", "-f", "{{.State.Pid}}", name).stdout.strip()
        with Forwarder(f"/proc/{pid}/ns/net", PORT) as forwarder:
            yield name, forwarder.url
    finally:
        podman("rm", "-f", "-t", "10", name, check=False)
        podman("volume", "rm", "-f", volume, check=False)


def in_container(name: str, *command: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return podman("exec", name, *command, timeout=timeout)


def test_image_runs_as_a_non_root_user_with_a_health_check_and_one_volume(image):
    inspected = json.loads(podman("image", "inspect", image).stdout)[0]
    config = inspected["Config"]
    assert config["User"] == "app"
    # podman shows the health check beside Config; an OCI-format build drops it (build with --format docker).
    health = inspected.get("Healthcheck") or config.get("Healthcheck") or {}
    assert "/_stcore/health" in " ".join(health.get("Test", [])), "HEALTHCHECK lost: build with --format docker"
    assert list(config["Volumes"]) == [STATE]
    env = dict(item.split("=", 1) for item in config["Env"])
    for setting in ("STALKING_BUILD_DIR", "STALKING_RETURNS_DIR", "STALKING_ACCESS_FILE"):
        assert env[setting].startswith(STATE + "/"), setting


def test_the_image_holds_only_the_runtime_packages(image):
    listed = podman("run", "--rm", *runtime_args(), "--network", "none", image, "python", "-m", "pip", "list")
    installed = {line.split()[0].lower() for line in listed.stdout.splitlines()[2:]}
    assert {"streamlit", "duckdb", "kaleido", "sqlalchemy", "psycopg"} <= installed
    assert not installed & {"pytest", "playwright", "ruff", "pip-tools", "oidc-provider-mock"}


def test_the_container_has_no_network_but_is_healthy(container):
    name, url = container
    interfaces = in_container(name, "sh", "-c", "tail -n +3 /proc/net/dev | cut -d: -f1").stdout.split()
    assert interfaces == ["lo"]
    probe = in_container(
        name,
        "python",
        "-c",
        "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 443), timeout=3)\n    print('reached')\n"
        "except OSError as e:\n    print(e.errno)",
    )
    assert probe.stdout.strip() != "reached"
    assert podman("healthcheck", "run", name).returncode == 0
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as resp:
        assert resp.read() == b"ok"
    assert in_container(name, "id", "-un").stdout.strip() == "app"


def test_a_page_draws_in_a_browser_and_offers_sign_in(container):
    from playwright.sync_api import sync_playwright

    _, url = container
    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=require_browser(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()

            def local_only(route):
                if route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
                    return route.continue_()
                outside.append(route.request.url)
                return route.abort()

            page.route("**/*", local_only)
            started = time.monotonic()
            page.goto(url + "/")
            page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)
            page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=60_000)
            print(f"\nOverview drawn {time.monotonic() - started:.1f} s after navigation")
            assert "where the gaps are" in page.locator("h1").first.inner_text()
            assert page.locator('[data-testid="stException"]').count() == 0
            # The mounted secrets.toml configures sign-in: the sidebar offers it.
            assert page.get_by_role("button", name="Sign in (offices and APCC staff)").count() == 1
        finally:
            browser.close()
    assert not outside, f"the page fetched beyond 127.0.0.1: {outside}"


def test_a_briefing_pack_exports_inside_the_container(container):
    name, _ = container
    started = time.monotonic()
    in_container(
        name, "python", "-m", "exports", "briefing", "--region", "Wales", "--out", "/tmp/w.zip", "--require-images"
    )
    print(f"\nbriefing pack for Wales in {time.monotonic() - started:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        podman("cp", f"{name}:/tmp/w.zip", f"{tmp}/w.zip")
        names = zipfile.ZipFile(f"{tmp}/w.zip").namelist()
    assert sum(n.endswith(".png") for n in names) >= 4, names
    assert any(n.endswith(".docx") for n in names), names


FILL_TEMPLATE = """
import csv
rows = list(csv.DictReader(open("/tmp/herts.csv", encoding="utf-8-sig")))
for row in rows:
    row.update(as_at="2025-06-01", submitted_by="Container test", signed_off_by="Chief Executive",
               evidence="Container test return")
with open("/tmp/herts-filled.csv", "w", newline="", encoding="utf-8") as out:
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
"""
COUNT_RUNS_AND_RETURN_EDITIONS = (
    "from core import queries; db = queries.default_db(); "
    "print(len(queries.etl_runs(limit=1000)), db.scalar(\"SELECT count(*) FROM editions WHERE kind <> 'source'\"))"
)


def test_a_return_lands_in_the_volume_and_the_database_is_rebuilt_there(container):
    name, url = container
    runs_before = in_container(name, "python", "-c", COUNT_RUNS_AND_RETURN_EDITIONS).stdout.split()
    in_container(name, "python", "-m", "returns", "template", "E23000027", "--out", "/tmp/herts.csv")
    # An updated position: the template pre-filled with the force's current one, with a date and a sender.
    in_container(name, "python", "-c", FILL_TEMPLATE)
    in_container(name, "python", "-m", "returns", "import", "/tmp/herts-filled.csv")
    stored = in_container(name, "sh", "-c", f"ls {STATE}/returns").stdout.split()
    assert any(n.endswith(".csv") for n in stored) and any(n.endswith(".json") for n in stored), stored
    runs_after = in_container(name, "python", "-c", COUNT_RUNS_AND_RETURN_EDITIONS).stdout.split()
    assert int(runs_after[0]) == int(runs_before[0]) + 1
    assert int(runs_after[1]) == int(runs_before[1]) + 1
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as resp:
        assert resp.status == 200


def test_another_container_on_the_volume_keeps_the_state_and_a_new_image_rebuilds_with_it(container, image):
    name, _ = container
    volume = f"{name}-state"
    here = in_container(name, "python", "-c", COUNT_RUNS_AND_RETURN_EDITIONS).stdout.split()
    assert int(here[1]) >= 1, "no return edition in the database"

    def another(*command: str) -> list[str]:
        out = podman(
            "run", "--rm", *runtime_args(), "--network", "none", "-v", f"{volume}:{STATE}", image, *command, timeout=180
        )
        return out.stdout.split()

    count = ("python", "-c", COUNT_RUNS_AND_RETURN_EDITIONS)
    # Same image: the entrypoint leaves the volume's database alone.
    assert another(*count) == here
    # A new image (another seed): the entrypoint rebuilds in the volume, with the stored returns.
    another("sh", "-c", f"echo other-seed > {STATE}/build/.seed.sha256")
    runs, editions = another(*count)
    assert int(runs) == int(here[0]) + 1 and editions == here[1]


def test_nothing_outside_the_volume_and_tmp_was_written(container):
    name, _ = container
    # Read-only root file system: writing anywhere else fails.
    probe = in_container(
        name,
        "sh",
        "-c",
        f"touch /app/x 2>&1; touch {STATE}/build/x && rm {STATE}/build/x && echo volume-ok",
    )
    assert "Read-only file system" in probe.stdout and "volume-ok" in probe.stdout
    # What podman saw change in the container's own layer: only mount points (the secrets file and
    # the folders holding it, /etc/hosts and the like), never a file the app wrote.
    mounts = (
        "/tmp",
        STATE,
        "/run",
        "/dev",
        "/etc/hosts",
        "/etc/resolv.conf",
        "/etc/hostname",
        "/etc/passwd",
        "/etc/group",
        "/app/.streamlit/secrets.toml",
    )
    changes = [line.split(None, 1) for line in podman("diff", name).stdout.splitlines()]
    outside = [
        (kind, path)
        for kind, path in changes
        if not path.startswith(mounts) and not (kind == "C" and any(m.startswith(path + "/") for m in mounts))
    ]
    assert not outside, outside
