"""Who you are (issue 28, item 1): the access list keys on the identity provider's immutable subject
(issuer + `sub`, or Entra ID's tenant + object ID), never on the e-mail address a provider asserts.

An identity whose provider says `email_verified=false` and whose `sub` is someone else's, asserting the
admin's address, was signed in as admin: here it is public. A person whose e-mail changes keeps their role;
an access list that names someone by e-mail alone is refused, naming the entry. The same attack through a
real OpenID Connect provider in Chromium is in tests/test_e2e_rounds.py.
"""

from __future__ import annotations

import re

import pytest

from core import queries
from tests.workflow_fixtures import (  # noqa: F401 - sandbox is a fixture
    ADMIN_ACTOR,
    HERTS,
    ISSUER,
    open_round,
    sandbox,
    signed_in_app,
)
from workflow import access, guard
from workflow.access import AccessListError, actor_for, read_access_list

ADMIN_CLAIMS = {"iss": ISSUER, "sub": "admin@example.org", "email": "admin@example.org", "email_verified": True}
ENTRA = "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"


def listed(text: str, tmp_path):
    path = tmp_path / "access.toml"
    path.write_text(text, encoding="utf-8")
    return read_access_list(path, resolve_force=queries.resolve_force)


def offered(at) -> set[str]:
    """The workflow pages this signed-in session may open (the others are not registered for it)."""
    reached = set()
    for script in ("app_pages/rounds_admin.py", "app_pages/review.py", "app_pages/office_return.py"):
        try:
            at.switch_page(script)
            at.run()
        except ValueError as err:
            assert "Could not find a navigation page" in str(err)
            continue
        reached.add(script)
    return reached


ATTACKS = {
    "unverified e-mail, a sub of its own": {"sub": "attacker-7f3a", "email_verified": False},
    "verified e-mail, a sub of its own": {"sub": "attacker-7f3a", "email_verified": True},
    "the admin's sub at another issuer": {"iss": "https://evil.example", "email_verified": True},
    "the admin's sub, no issuer": {"iss": None},
}


@pytest.mark.parametrize("case", list(ATTACKS), ids=list(ATTACKS))
def test_an_identity_asserting_the_admins_address_is_not_the_admin(sandbox, case):
    """Before: matched on the e-mail claim, so each of these was served the Rounds page as admin."""
    open_round(sandbox, [HERTS])
    claims = {k: v for k, v in {**ADMIN_CLAIMS, **ATTACKS[case]}.items() if v is not None}
    at = signed_in_app("admin@example.org", claims=claims)
    if "iss" not in claims:  # a token without an issuer
        at.user = {k: v for k, v in at.user.items() if k != "iss"}
        at.run()
    signed_in = at.sidebar.caption[0].value
    assert "not on the access list" in signed_in, signed_in
    assert offered(at) == set(), "no workflow page for an identity the access list does not name"


def test_an_unverified_email_with_someone_elses_sub_is_that_someone_not_the_admin(sandbox):
    """The issue's case: `email_verified=false`, the admin's address, Hertfordshire's office's `sub`."""
    open_round(sandbox, [HERTS])
    claims = ADMIN_CLAIMS | {"sub": "herts.office@example.org", "email_verified": False}
    at = signed_in_app("admin@example.org", claims=claims)
    assert at.sidebar.caption[0].value.endswith("(office for Hertfordshire).")
    assert offered(at) == {"app_pages/office_return.py"}, "the office's own page only: no Rounds page"


def test_the_admin_with_a_new_email_address_keeps_the_role(sandbox):
    at = signed_in_app("admin@example.org", claims={"email": "data.lead@new-domain.example"})
    assert offered(at) == {"app_pages/rounds_admin.py", "app_pages/review.py", "app_pages/office_return.py"}
    signed_in = at.sidebar.caption[0].value
    assert signed_in.startswith("Signed in as admin") and signed_in.endswith("(admin)."), signed_in


def test_the_access_list_matches_issuer_and_subject_and_entra_tenant_and_object_id(sandbox, tmp_path):
    found = listed(
        f"""
[[office]]
email = "jane.smith@herts.pcc.police.uk"
issuer = "{ISSUER}/"
subject = "248289761001"
force = "Hertfordshire"
[[admin]]
email = "data.lead@apcc.police.uk"
tenant = "72F988BF-86F1-41AF-91AB-2D7CD011DB47"
object_id = "00000000-0000-0000-66f3-3332eca7ea81"
""",
        tmp_path,
    )
    office = actor_for({"iss": ISSUER, "sub": "248289761001", "email": "someone.else@example.org"}, found)
    assert (office.role, office.pfa_code, office.email) == ("office", HERTS, "jane.smith@herts.pcc.police.uk"), (
        "the access list's own address is who acted (the audit log's name), never the claim"
    )
    entra = {"iss": ENTRA, "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47", "oid": "00000000-0000-0000-66f3-3332eca7ea81"}
    assert actor_for(entra | {"sub": "pairwise-sub"}, found).role == "admin", "tenant and object ID, any case"
    assert actor_for(entra | {"tid": "another-tenant"}, found).role == "public", "the same object ID in another tenant"
    assert actor_for({"iss": ISSUER, "sub": "248289761002"}, found).role == "public"
    assert actor_for({"iss": ISSUER + ".evil", "sub": "248289761001"}, found).role == "public"
    assert actor_for({"sub": "248289761001"}, found).role == "public", "no issuer: no match"
    assert actor_for({"iss": ISSUER, "email": "jane.smith@herts.pcc.police.uk"}, found).role == "public"
    assert actor_for(None, found).role == "public"
    stranger = actor_for({"iss": ISSUER, "sub": "x", "email": "jane.smith@herts.pcc.police.uk"}, found)
    assert stranger.email == "" and stranger.subject == f"{ISSUER}#x", "an unlisted identity is its subject"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('email = "a@example.org"', "admin 1 (a@example.org): no subject; expected issuer and subject"),
        (f'email = "a@example.org"\nissuer = "{ISSUER}"', "admin 1 (a@example.org): no subject"),
        ('email = "a@example.org"\ntenant = "t"', "admin 1 (a@example.org): no subject"),
        ('issuer = "https://x"\nsubject = "1"', "admin 1: no e-mail address"),
    ],
)
def test_an_entry_without_an_immutable_subject_is_refused(sandbox, tmp_path, entry, message):
    with pytest.raises(AccessListError, match=re.escape(message)):
        listed(f"[[admin]]\n{entry}\n", tmp_path)


def test_one_subject_or_one_address_listed_twice_is_refused(sandbox, tmp_path):
    one = f'email = "a@example.org"\nissuer = "{ISSUER}"\nsubject = "1"\n'
    same_subject, same_address = one.replace("a@", "b@"), one.replace('"1"', '"2"')
    with pytest.raises(AccessListError, match="listed twice"):
        listed(f"[[admin]]\n{one}[[reviewer]]\n{same_subject}", tmp_path)
    with pytest.raises(AccessListError, match="listed twice"):
        listed(f"[[admin]]\n{one}[[reviewer]]\n{same_address}", tmp_path)


def test_an_unlisted_identity_is_logged_under_its_subject_not_the_address_it_claims(sandbox):
    """Its refusals never count against the person whose address it asserts (issue 28, item 4)."""
    round_ = open_round(sandbox, [HERTS])
    claims = ADMIN_CLAIMS | {"sub": "attacker-7f3a", "email_verified": False}
    stranger = actor_for(claims, read_access_list(resolve_force=queries.resolve_force))
    from workflow import submitting

    with pytest.raises(guard.Refused):
        submitting.load_draft(stranger, round_.round_id, HERTS)
    log = guard.audit_log(ADMIN_ACTOR)
    refused = log[log["outcome"] == "refused"]
    assert refused["actor"].tolist() == [f"{ISSUER}#attacker-7f3a"], refused
    assert access.actor_for(ADMIN_CLAIMS, read_access_list()).email == "admin@example.org"


def test_the_example_access_list_is_one_the_dashboard_reads():
    from core import paths

    example = read_access_list(paths.REPO_ROOT / "access.example.toml")
    assert sorted(a.role for a in example.values()) == ["admin", "office", "reviewer"]
    assert all(key.startswith(("entra:", "https://")) for key in example)
