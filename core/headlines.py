"""Headline counts of force areas and regional shares, from the rules in core.rules.

Used by the Overview, the force profile, the regional comparison and the
briefing packs, so a count means the same wherever it appears. No Streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.rules import MEASURES, NOT_REPORTED


def region_shares(
    coverage: pd.DataFrame, region_order: list[str], measures: list[str] | None = None, with_total: bool = False
) -> pd.DataFrame:
    """Per region (and optionally England and Wales) and measure: forces with it, all forces, the share.

    `measures` are keys of core.rules.MEASURES (default: all); the `dimension` column holds their labels.
    """
    rows = []
    groups = [(r, coverage[coverage["region"] == r]) for r in region_order if r in set(coverage["region"])]
    if with_total:
        groups.append(("England and Wales", coverage))
    for region, group in groups:
        for key in measures or list(MEASURES):
            measure = MEASURES[key]
            count = int(measure.test(group).sum())
            rows.append(
                {
                    "region": region,
                    "dimension": measure.label,
                    "count": count,
                    "total": len(group),
                    "share": count / len(group) if len(group) else 0.0,
                }
            )
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
        isac_not_reported=int((c["isac_status"] == NOT_REPORTED).sum()),
        programme=int(MEASURES["programme"].test(c).sum()),
        programme_not_reported=int((c["perpetrator_programme_status"] == NOT_REPORTED).sum()),
        masip=int(MEASURES["masip"].test(c).sum()),
        masip_not_reported=int((c["masip_status"] == NOT_REPORTED).sum()),
        ending_within_6_months=int((c["services_ending_within_6_months"] > 0).sum()),
        end_passed=int((c["funding_risk"] == "end date passed").sum()),
        funding_at_risk=int(c["funding_at_risk"].sum()),
        funding_not_reported=int((c["funding_risk"] == NOT_REPORTED).sum()),
    )
