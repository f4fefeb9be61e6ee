"""Who may do what in the returns workflow: the access list the admin keeps.

The access list is a TOML file (STALKING_ACCESS_FILE, default access.toml at the
repository root, git-ignored; access.example.toml shows the form):

    [[office]]                      # one force area's office: its own return only
    email = "jane.smith@herts.pcc.police.uk"
    tenant = "<the Entra ID tenant (tid)>"
    object_id = "<the person's object ID (oid)>"
    force = "E23000027"             # an ONS code, or a name or alias of the force

    [[reviewer]]                    # APCC staff: review, accept, return, track
    email = "analyst@apcc.police.uk"
    issuer = "https://id.example.org"   # any OpenID Connect provider: its issuer (iss)
    subject = "248289761001"            # and the person's subject there (sub)

    [[admin]]                       # open and close rounds, enter returns on an office's behalf
    email = "data.lead@apcc.police.uk"
    tenant = "…"
    object_id = "…"

Identities are matched on what the provider says never changes for a person: its issuer
and the subject (`iss` and `sub`, each exactly), or for Microsoft Entra ID the tenant and
object ID (`tid` and `oid`, case-insensitively). Never on the e-mail address: a provider may
assert one it has not verified (`email_verified=false`), an address can be reassigned, and
Entra ID lets a person edit theirs. The `email` written on the list is who the person is in
the audit log and on the returns they send: the admin's word, not the provider's. A person
whose address changes keeps their role (update the list's `email` for the records); a person
who gets a new account (a new subject) is not recognised until the list names it.

An identity not on the list sees the public dashboard only (the sidebar shows it the issuer
and subject to give the admin). Roles are checked on the server by workflow.guard for every
action, never only by hiding buttons.
"""

from __future__ import annotations

import getpass
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from core import paths

OFFICE, REVIEWER, ADMIN, PUBLIC = "office", "reviewer", "admin", "public"
ROLES = (OFFICE, REVIEWER, ADMIN)


@dataclass(frozen=True)
class Actor:
    """Who is acting: an identity and the role the access list gives it.

    `email` is the access list's name for a listed identity (empty for one it does not list);
    `subject` is the provider's immutable identifier ("issuer#sub", or "entra:tid#oid");
    `address` is the network address the request came from, where it is known."""

    email: str
    role: str  # office, reviewer, admin or public
    pfa_code: str | None = None  # an office's force area
    name: str | None = None
    subject: str | None = None
    address: str | None = None

    @property
    def is_office(self) -> bool:
        return self.role == OFFICE

    @property
    def is_reviewer(self) -> bool:
        return self.role in (REVIEWER, ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def who(self) -> str:
        """The name this identity has in the audit log: the access list's address, else its subject."""
        return (self.email or self.subject or "anonymous")[:200]


class AccessListError(ValueError):
    """The access list cannot be read or names something unknown; the message says where."""


def subject_key(claims: Mapping) -> list[str]:
    """The keys an identity token's claims can be matched on, most specific first."""
    keys = []
    tid, oid = str(claims.get("tid") or "").strip(), str(claims.get("oid") or "").strip()
    if tid and oid:
        keys.append(f"entra:{tid.lower()}#{oid.lower()}")
    iss, sub = str(claims.get("iss") or "").strip(), str(claims.get("sub") or "")
    if iss and sub:
        keys.append(f"{iss.rstrip('/')}#{sub}")
    return keys


def _entry_subject(entry: dict, where: str) -> str:
    issuer, subject = str(entry.get("issuer", "")).strip(), str(entry.get("subject", ""))
    tenant, object_id = str(entry.get("tenant", "")).strip(), str(entry.get("object_id", "")).strip()
    if tenant and object_id:
        return f"entra:{tenant.lower()}#{object_id.lower()}"
    if issuer and subject:
        return f"{issuer.rstrip('/')}#{subject}"
    raise AccessListError(
        f"{where}: no subject; expected issuer and subject (the provider's iss and sub claims) or, for "
        "Microsoft Entra ID, tenant and object_id (tid and oid). An e-mail address alone is never matched: "
        "it can change, and a provider may assert one it has not verified"
    )


def read_access_list(path: Path | None = None, resolve_force=None) -> dict[str, Actor]:
    """Every identity on the access list, by its subject key (see subject_key). `resolve_force(name) ->
    code or None` turns a force's name or alias into its ONS code (default: codes only)."""
    path = Path(path or paths.ACCESS_FILE)
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise AccessListError(f"{path}: cannot be read ({err}); expected a TOML access list") from None
    out: dict[str, Actor] = {}
    emails: set[str] = set()
    for role in ROLES:
        entries = data.get(role, [])
        if not isinstance(entries, list):
            raise AccessListError(f"{path}: [{role}] must be a list of tables ([[{role}]])")
        for i, entry in enumerate(entries, start=1):
            email = str(entry.get("email", "")).strip().lower() if isinstance(entry, dict) else ""
            if "@" not in email:
                raise AccessListError(
                    f'{path}: {role} {i}: no e-mail address; expected email = "name@example.org" (who this is '
                    "in the audit log)"
                )
            key = _entry_subject(entry, f"{path}: {role} {i} ({email})")
            code = None
            if role == OFFICE:
                force = str(entry.get("force", "")).strip()
                code = resolve_force(force) if resolve_force else (force or None)
                if not code:
                    raise AccessListError(
                        f"{path}: office {i} ({email}): unknown force '{force}'; expected an ONS "
                        "code, name or alias of one of the 43 force areas"
                    )
            if key in out or email in emails:
                twice = email if email in emails else f"the subject {key}"
                raise AccessListError(f"{path}: {twice} is listed twice; expected each identity once")
            emails.add(email)
            out[key] = Actor(email, role, code, str(entry.get("name", "")) or None, subject=key)
    return out


def actor_for(claims: Mapping | None, access: dict[str, Actor] | None = None, address: str | None = None) -> Actor:
    """The Actor for a signed-in identity's token claims: its role from the access list, or public.

    Matched on the subject only (see the module's docstring); an identity the list does not name
    is public, known by its subject, never by the e-mail address it claims."""
    if not claims:
        return Actor("", PUBLIC, address=address)
    keys = subject_key(claims)
    access = access if access is not None else read_access_list()
    name = str(claims.get("name") or "") or None
    for key in keys:
        found = access.get(key)
        if found is not None:
            return Actor(found.email, found.role, found.pfa_code, found.name or name, subject=key, address=address)
    return Actor("", PUBLIC, None, name, subject=keys[0] if keys else None, address=address)


def command_line_admin() -> Actor:
    """The admin at the command line: whoever runs `python -m returns` on the server."""
    try:
        user = getpass.getuser()
    except OSError:
        user = "unknown"
    return Actor(f"cli:{user}", ADMIN, None, f"{user} (command line)", subject=f"cli:{user}")
