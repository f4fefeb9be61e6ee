"""Refusals are limited per identity, never for the whole server (issue 28, item 4).

Before: the limiter counted every refusal in the audit log, so 30 refused requests made as Essex from
another process locked Hertfordshire out ("too many refused attempts in the last minute").
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from core import paths
from tests.workflow_fixtures import (  # noqa: F401 - sandbox is a fixture
    ADMIN_ACTOR,
    ESSEX,
    ESSEX_OFFICE,
    HERTS,
    HERTS_OFFICE,
    open_round,
    sandbox,
)
from workflow import guard, submitting
from workflow.access import PUBLIC, Actor

# Essex's office, from another process, asks for Hertfordshire's draft 30 times: each is refused.
ESSEX_PROBES = """
import sys
from workflow import guard, submitting
from workflow.access import OFFICE, Actor
essex = Actor("essex.office@example.org", OFFICE, "E23000028", subject="https://id.example.org#essex")
refused = 0
for _ in range(int(sys.argv[2])):
    try:
        submitting.load_draft(essex, sys.argv[1], "E23000027")
    except guard.Refused as err:
        refused += 1
        last = str(err)
print(refused, last)
"""


def probe_as_essex(box, round_id: str, times: int) -> str:
    env = {**os.environ, "STALKING_WORKFLOW_URL": box.url, "STALKING_BUILD_DIR": str(box.database.parent)}
    done = subprocess.run(
        [sys.executable, "-c", ESSEX_PROBES, round_id, str(times)],
        capture_output=True,
        text=True,
        cwd=paths.REPO_ROOT,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_thirty_refusals_as_essex_from_another_process_do_not_lock_hertfordshire_out(sandbox):
    round_ = open_round(sandbox, [HERTS, ESSEX])
    told = probe_as_essex(sandbox, round_.round_id, guard.REFUSALS_PER_MINUTE)
    assert told.startswith(f"{guard.REFUSALS_PER_MINUTE} ") and "only its own force" in told, told
    answers, _ = submitting.load_draft(HERTS_OFFICE, round_.round_id, HERTS)  # Hertfordshire: not locked out
    submitting.save_draft(HERTS_OFFICE, round_.round_id, HERTS, answers)
    with pytest.raises(guard.Refused, match="too many refused attempts in the last minute"):
        submitting.load_draft(ESSEX_OFFICE, round_.round_id, ESSEX)  # Essex itself is held back for a while


def test_the_limit_follows_the_identity_not_the_address_it_shares(sandbox, monkeypatch):
    """A listed identity is never limited by its address: offices share addresses, and one is easy to claim."""
    round_ = open_round(sandbox, [HERTS, ESSEX])
    monkeypatch.setattr(guard, "REFUSALS_PER_MINUTE", 3)
    monkeypatch.setattr(guard, "REFUSALS_PER_MINUTE_PER_ADDRESS", 3)
    shared = "203.0.113.7"
    essex = Actor(ESSEX_OFFICE.email, "office", ESSEX, subject="essex", address=shared)
    herts = Actor(HERTS_OFFICE.email, "office", HERTS, subject="herts", address=shared)
    for _ in range(3):
        with pytest.raises(guard.Refused, match="only its own force"):
            submitting.load_draft(essex, round_.round_id, HERTS)
    with pytest.raises(guard.Refused, match="too many refused attempts in the last minute"):
        submitting.load_draft(essex, round_.round_id, ESSEX)
    submitting.load_draft(herts, round_.round_id, HERTS)  # same address, another identity: not limited


def test_identities_the_list_does_not_name_are_limited_by_address_too(sandbox, monkeypatch):
    round_ = open_round(sandbox, [HERTS])
    monkeypatch.setattr(guard, "REFUSALS_PER_MINUTE_PER_ADDRESS", 4)
    here = "198.51.100.23"
    for n in range(4):  # four fresh identities, one address
        with pytest.raises(guard.Refused, match="only the force's own office"):
            submitting.load_draft(
                Actor("", PUBLIC, subject=f"https://id.example.org#s{n}", address=here), round_.round_id, HERTS
            )
    with pytest.raises(guard.Refused, match="from this address"):
        submitting.load_draft(
            Actor("", PUBLIC, subject="https://id.example.org#fresh", address=here), round_.round_id, HERTS
        )
    elsewhere = Actor("", PUBLIC, subject="https://id.example.org#fresh", address="198.51.100.24")
    with pytest.raises(guard.Refused, match="only the force's own office"):
        submitting.load_draft(elsewhere, round_.round_id, HERTS)
    submitting.load_draft(Actor(HERTS_OFFICE.email, "office", HERTS, subject="h", address=here), round_.round_id, HERTS)
    log = guard.audit_log(ADMIN_ACTOR)
    assert set(log.loc[log["outcome"] == "refused", "address"]) == {here, "198.51.100.24"}
