"""Headline counts of force areas, and regional shares, from the rules in core.rules.

Every "N of 43" the dashboard prints comes from here, with the two numbers that
keep it honest beside it: how many of the N were reported in the last 12 months
before the date shown, and how many force areas are not reported at all (the
source is illustrative: not reported is not none). Used by the Overview, the
force profile, the regional comparison, the Funding page and the briefing packs.
No Streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core import rules
from core.rules import MEASURES, NOT_REPORTED


@dataclass(frozen=True)
class Count:
    """Force areas with something, of how many, how many of them were reported recently, how many not reported."""

    count: int
    total: int
    current: int  # of `count`, reported in the 12 months before the date shown
    not_reported: int  # of `total`, not quoted on the theme at all

    def __str__(self) -> str:
        return f"{self.count} of {self.total}"

    @property
    def detail(self) -> str:
        """'0 reported in the last 12 months, 36 not reported'."""
        return f"{self.current} reported {rules.CURRENT_WORDS}, {self.not_reported} not reported"

    @property
    def line(self) -> str:
        """'7 of 43 — 0 reported in the last 12 months, 36 not reported'."""
        return f"{self} — {self.detail}"


def count_statuses(coverage: pd.DataFrame, theme: rules.Theme, statuses: tuple[str, ...] | list[str]) -> Count:
    """Force areas whose status on `theme` is one of `statuses`, with the current and not-reported counts."""
    has = coverage[theme.column].isin(statuses)
    return Count(
        count=int(has.sum()),
        total=len(coverage),
        current=int((has & coverage[theme.current_column].astype(bool)).sum()),
        not_reported=int((coverage[theme.column] == NOT_REPORTED).sum()),
    )


def count(coverage: pd.DataFrame, measure: str) -> Count:
    """A measure of core.rules.MEASURES (by key) counted over the force areas of `coverage`."""
    m = MEASURES[measure]
    return count_statuses(coverage, m.theme, m.theme.provided)


def region_shares(
    coverage: pd.DataFrame, region_order: list[str], measures: list[str] | None = None, with_total: bool = False
) -> pd.DataFrame:
    """Per region (and optionally England and Wales) and measure: forces with it, all forces, the share,
    and how many were reported in the last 12 months and how many are not reported.

    `measures` are keys of core.rules.MEASURES (default: all); the `dimension` column holds their labels.
    """
    rows = []
    groups = [(r, coverage[coverage["region"] == r]) for r in region_order if r in set(coverage["region"])]
    if with_total:
        groups.append(("England and Wales", coverage))
    for region, group in groups:
        for key in measures or list(MEASURES):
            c = count(group, key)
            rows.append(
                {
                    "region": region,
                    "dimension": MEASURES[key].label,
                    "count": c.count,
                    "total": c.total,
                    "share": c.count / c.total if c.total else 0.0,
                    "current": c.current,
                    "not_reported": c.not_reported,
                }
            )
    return pd.DataFrame(rows, columns=["region", "dimension", "count", "total", "share", "current", "not_reported"])


@dataclass(frozen=True)
class Headlines:
    total: int
    isac: Count  # dedicated service or ISACs within wider services
    dedicated: Count
    isacs_within_wider: Count
    support_within_wider: Count
    programme: Count
    masip: Count
    funding_at_risk: Count
    funding_ended: Count


def headlines(coverage: pd.DataFrame) -> Headlines:
    """Counts of force areas (not services) in a coverage frame (core.queries.coverage)."""
    c = coverage
    return Headlines(
        total=len(c),
        isac=count(c, "isac"),
        dedicated=count_statuses(c, rules.ISAC, ("dedicated service",)),
        isacs_within_wider=count_statuses(c, rules.ISAC, ("ISACs within wider services",)),
        support_within_wider=count_statuses(c, rules.ISAC, ("stalking support within wider services",)),
        programme=count(c, "programme"),
        masip=count(c, "masip"),
        funding_at_risk=count(c, "funding_at_risk"),
        funding_ended=count_statuses(c, rules.FUNDING, (rules.FUNDING_ENDED,)),
    )


def last_reported(status: str, reported_on, *, dated: bool) -> str:
    """'dedicated service — last reported 19 Dec 2024' (with the dated mark when it is more than 12 months old)."""
    if status == NOT_REPORTED or reported_on is None or pd.isna(reported_on):
        return status
    when = pd.Timestamp(reported_on)
    text = f"{status} — last reported {when.day} {when:%b %Y}"
    return f"{text} {rules.DATED_MARK}" if dated else text


# The finding a chart of each theme states in its title, keyed by theme.
FINDINGS = {
    "isac": ("isac", "reported a dedicated stalking service or ISAs in wider services"),
    "programme": ("programme", "reported a commissioned stalking perpetrator programme"),
    "masip": ("masip", "reported a running MASIP or stalking clinic"),
    "funding": ("funding_at_risk", "had stalking funding at risk"),
}


def finding(coverage: pd.DataFrame, theme_key: str, place: str | None = None) -> str:
    """A chart title stating the finding with its honest counts:
    '7 of 43 force areas reported a commissioned stalking perpetrator programme — 0 reported in the
    last 12 months, 35 not reported'."""
    measure, words = FINDINGS[theme_key]
    c = count(coverage, measure)
    where = f" in {place}" if place else ""
    area = "force area" if c.total == 1 else "force areas"
    return f"{c.count} of {c.total} {area}{where} {words} — {c.detail}"
