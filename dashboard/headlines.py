"""What counts as provision, and headline counts of force areas, in one place.

Used by the Overview, the force profile, the regional comparison and the
briefing packs (whose sentences are in exports/briefing.py), so a number means
the same wherever it appears. No Streamlit here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd


# The statuses that count as having the provision, per map dimension key.
PROVIDED: dict[str, tuple[str, ...]] = {
    "isac": ("dedicated service", "within wider services"),
    "programme": ("commissioned",),
    "masip": ("established", "pilot"),
}
WITH_ISACS = PROVIDED["isac"]
MASIP_RUNNING = PROVIDED["masip"]

# Measures compared across force areas and regions: label -> which force areas have it.
MEASURES: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "Dedicated service or ISACs in wider services": lambda c: c["isac_status"].isin(PROVIDED["isac"]),
    "Perpetrator programme commissioned": lambda c: c["perpetrator_programme_status"].isin(PROVIDED["programme"]),
    "MASIP or stalking clinic running": lambda c: c["masip_status"].isin(PROVIDED["masip"]),
    "Funding at risk": lambda c: c["funding_at_risk"].astype(bool),
}
PROVISION_MEASURES = list(MEASURES)[:3]


def region_shares(coverage: pd.DataFrame, region_order: list[str], measures: list[str] | None = None,
                  with_total: bool = False) -> pd.DataFrame:
    """Per region (and optionally England and Wales) and measure: forces with it, all forces, the share."""
    rows = []
    groups = [(r, coverage[coverage["region"] == r]) for r in region_order if r in set(coverage["region"])]
    if with_total:
        groups.append(("England and Wales", coverage))
    for region, group in groups:
        for measure in measures or list(MEASURES):
            count = int(MEASURES[measure](group).sum())
            rows.append({"region": region, "dimension": measure, "count": count, "total": len(group),
                         "share": count / len(group) if len(group) else 0.0})
    return pd.DataFrame(rows, columns=["region", "dimension", "count", "total", "share"])


@dataclass(frozen=True)
class Headlines:
    total: int
    dedicated: int
    within_wider: int
    isac_not_reported: int
    programme: int
    programme_not_reported: int
    masip: int
    masip_not_reported: int
    ending_within_6_months: int
    end_passed: int
    funding_at_risk: int
    funding_not_reported: int


def headlines(coverage: pd.DataFrame) -> Headlines:
    """Counts of forces (not services) in a coverage_at() frame."""
    c = coverage
    return Headlines(
        total=len(c),
        dedicated=int((c["isac_status"] == "dedicated service").sum()),
        within_wider=int((c["isac_status"] == "within wider services").sum()),
        isac_not_reported=int((c["isac_status"] == "not reported").sum()),
        programme=int(MEASURES["Perpetrator programme commissioned"](c).sum()),
        programme_not_reported=int((c["perpetrator_programme_status"] == "not reported").sum()),
        masip=int(MEASURES["MASIP or stalking clinic running"](c).sum()),
        masip_not_reported=int((c["masip_status"] == "not reported").sum()),
        ending_within_6_months=int((c["services_ending_within_6_months"] > 0).sum()),
        end_passed=int((c["funding_risk"] == "end date passed").sum()),
        funding_at_risk=int(c["funding_at_risk"].sum()),
        funding_not_reported=int((c["funding_risk"] == "not reported").sum()),
    )
