"""Who may do what in the returns workflow: the access list the admin keeps.

The access list is a TOML file (STALKING_ACCESS_FILE, default access.toml at the
repository root, git-ignored; access.example.toml shows the form):

    [[office]]                      # one force area's office: its own return only
    email = "jane.smith@herts.pcc.police.uk"
    force = "E23000027"             # an ONS code, or a name or alias of the force

    [[reviewer]]                    # APCC staff: review, accept, return, track
    email = "analyst@apcc.police.uk"

    [[admin]]                       # open and close rounds, enter returns on an office's behalf
    email = "data.lead@apcc.police.uk"

Identities are matched by e-mail address, case-insensitively, as the identity
provider asserts it (`st.user.email` after OpenID Connect sign-in). An identity
not on the list sees the public dashboard only. Roles are checked on the server
by returns.rounds for every action, never only by hiding buttons.
"""

from __future__ import annotations

import getpass
import tomllib
from dataclasses import dataclass
from pathlib import Path

from core import paths

OFFICE, REVIEWER, ADMIN, PUBLIC = "office", "reviewer", "admin", "public"
ROLES = (OFFICE, REVIEWER, ADMIN)


@dataclass(frozen=True)
class Actor:
    """Who is acting: an identity and the role the access list gives it."""

    email: str
    role: str  # office, reviewer, admin or public
    pfa_code: str | None = None  # an office's force area
    name: str | None = None

    @property
    def is_office(self) -> bool:
        return self.role == OFFICE

    @property
    def is_reviewer(self) -> bool:
        return self.role in (REVIEWER, ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


class AccessListError(ValueError):
    """The access list cannot be read or names something unknown; the message says where."""


def read_access_list(path: Path | None = None, resolve_force=None) -> dict[str, Actor]:
    """Every identity on the access list, by lower-cased e-mail. `resolve_force(name) -> code or None`
    turns a force's name or alias into its ONS code (default: codes only)."""
    path = Path(path or paths.ACCESS_FILE)
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise AccessListError(f"{path}: cannot be read ({err}); expected a TOML access list") from None
    out: dict[str, Actor] = {}
    for role in ROLES:
        entries = data.get(role, [])
        if not isinstance(entries, list):
            raise AccessListError(f"{path}: [{role}] must be a list of tables ([[{role}]])")
        for i, entry in enumerate(entries, start=1):
            email = str(entry.get("email", "")).strip().lower() if isinstance(entry, dict) else ""
            if "@" not in email:
                raise AccessListError(f'{path}: {role} {i}: no e-mail address; expected email = "name@example.org"')
            code = None
            if role == OFFICE:
                force = str(entry.get("force", "")).strip()
                code = resolve_force(force) if resolve_force else (force or None)
                if not code:
                    raise AccessListError(
                        f"{path}: office {i} ({email}): unknown force '{force}'; expected an ONS "
                        "code, name or alias of one of the 43 force areas"
                    )
            if email in out:
                raise AccessListError(f"{path}: {email} is listed twice; expected each identity once")
            out[email] = Actor(email, role, code, str(entry.get("name", "")) or None)
    return out


def actor_for(email: str | None, name: str | None = None, access: dict[str, Actor] | None = None) -> Actor:
    """The Actor for a signed-in identity: its role from the access list, or public."""
    if not email:
        return Actor("", PUBLIC)
    found = (access if access is not None else read_access_list()).get(email.strip().lower())
    if found is None:
        return Actor(email.strip().lower(), PUBLIC, None, name)
    return Actor(found.email, found.role, found.pfa_code, name or found.name)


def command_line_admin() -> Actor:
    """The admin at the command line: whoever runs `python -m returns` on the server."""
    try:
        user = getpass.getuser()
    except OSError:
        user = "unknown"
    return Actor(f"cli:{user}", ADMIN, None, f"{user} (command line)")
