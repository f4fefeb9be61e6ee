"""What a briefing pack covers: one force, one region, or all 43 force areas."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core import queries
from core.text import slug


class ScopeError(ValueError):
    """The force or region asked for does not exist."""


@dataclass(frozen=True)
class Scope:
    """What a pack covers: one force, one region, or all 43 force areas."""

    kind: str  # "force", "region" or "all"
    code: str | None = None  # ONS code of the force, or the region's name
    name: str = "England and Wales"  # display name
    region: str | None = None  # the force's region, for a force

    @classmethod
    def all(cls) -> Scope:
        return cls("all")

    @property
    def label(self) -> str:
        return self.name

    @property
    def place(self) -> str:
        """'Wales', 'the North West', 'England and Wales', 'Dyfed-Powys': for "in …"."""
        if self.kind == "region" and self.name not in {"London", "Wales", "Yorkshire and The Humber"}:
            return f"the {self.name}"
        return self.name

    @property
    def regions(self) -> list[str] | None:
        return [self.code] if self.kind == "region" else None

    @property
    def pfa_code(self) -> str | None:
        return self.code if self.kind == "force" else None

    @property
    def slug(self) -> str:
        return slug(self.name)

    def filters(self, as_at: dt.date) -> dict[str, object]:
        scope = {"force": "Force area", "region": "Region", "all": "Scope"}[self.kind]
        value = f"{self.name} ({self.code})" if self.kind == "force" else self.name
        return {scope: value, "Position as at": as_at}


def resolve_scope(
    *, force: str | None = None, region: str | None = None, all_areas: bool = False, db: queries.Database | None = None
) -> Scope:
    """The scope for a force (ONS code or name), a region (name) or all areas; ScopeError if unknown."""
    chosen = [bool(force), bool(region), bool(all_areas)]
    if sum(chosen) != 1:
        raise ScopeError("Choose exactly one of a force, a region or all of England and Wales.")
    if all_areas:
        return Scope.all()
    if region:
        known = queries.regions(db)
        match = [r for r in known if r.lower() == region.strip().lower()]
        if not match:
            raise ScopeError(f"Unknown region {region!r}. Regions: {', '.join(known)}.")
        return Scope("region", match[0], match[0])
    forces = queries.forces(db)
    code = queries.resolve_force(force, db)
    hit = forces[forces["pfa_code"] == code]
    if hit.empty:
        raise ScopeError(
            f"Unknown force {force!r}: give an ONS code (E23000001–E23000039, "
            f"W15000001–W15000004) or a force name such as {forces['short_name'].iloc[0]!r}."
        )
    row = hit.iloc[0]
    return Scope("force", row["pfa_code"], row["short_name"], row["region"])
