"""The tables behind the pages' charts, with readable column names, in a meaningful order.

What a page shows in its table view is what its CSV and XLSX downloads hold:
readable headers ("End date in the source's words", not `end_wording`), a
"Force area" and an "ONS code" column wherever rows are force areas (the page
links each name to its profile), and, wherever a row rests on a quote, the
quote and its citation (document, section, date). Missing values read as words
("not stated"), never "None". No Streamlit and no SQL here.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from charts import palette
from core import coverage as coverage_rules
from core import headlines, rules
from core.text import amount_words, long_date, pounds

NOT_STATED = "not stated"


def _iso(value: object) -> str:
    """'2025-03-31', or 'not stated' for a missing date (sorts after every date, reads as words)."""
    return pd.Timestamp(value).date().isoformat() if pd.notna(value) else NOT_STATED


def addresses(df: pd.DataFrame) -> list[str]:
    """Each row's document web address (data/sources.csv), or '' where the document has none."""
    urls = df["source_url"] if "source_url" in df else pd.Series([None] * len(df), index=df.index)
    return [u if isinstance(u, str) else "" for u in urls]


def at_column(as_at: dt.date) -> str:
    return f"At {long_date(as_at)}"


def services_table(streams: pd.DataFrame, as_at: dt.date) -> pd.DataFrame:
    """One row per funded service, earliest end first: dates as text, the source's own words beside
    each, the quote and its citation. The funding page's table and downloads and the pack's
    data/funded-services files are this frame (the page shows SERVICES_SHOWN of its columns)."""
    df = streams.sort_values(["end_date", "short_name", "service"], na_position="last")
    return pd.DataFrame(
        {
            "Force area": df["short_name"],
            "ONS code": df["pfa_code"],
            "Service": df["service"],
            "Funder": df["funder"],
            "Funder in the source's words": df["funder_wording"].fillna(""),
            "Start": [_iso(v) for v in df["start_date"]],
            "Start date in the source's words": df["start_wording"].fillna(""),
            "End": [_iso(v) for v in df["end_date"]],
            "End date in the source's words": df["end_wording"].fillna(""),
            "End date": df["end_derived"]
            .map({True: "derived, not stated", False: "stated"})
            .where(df["end_date"].notna(), NOT_STATED),
            at_column(as_at): [
                coverage_rules.service_when(s, e, bool(d), w)
                for s, e, d, w in zip(df["state"], df["end_date"], df["end_derived"], df["end_wording"])
            ],
            "Status as reported": df["status"],
            "Provider": df["provider"].fillna(""),
            "Annual amount": [amount_words(a, d) or NOT_STATED for a, d in zip(df["amount"], df["amount_disclosure"])],
            "Quote": df["quote"],
            "Document": df["source_title"],
            "Section": df["section"],
            "Document date": [_iso(v) for v in df["source_date"]],
            "Document address": addresses(df),
        }
    ).reset_index(drop=True)


def funders_table(by_funder: pd.DataFrame) -> pd.DataFrame:
    """core.coverage.by_funder's rows with readable names; an amount only where offices shared one."""
    return pd.DataFrame(
        {
            "Funder": by_funder["funder"],
            "Funded services": by_funder["services"].astype(int),
            "Force areas": by_funder["forces"].astype(int),
            "Services with an amount shared": by_funder["services_with_amount"].astype(int),
            "Annual amounts shared": [pounds(v) or "none shared" for v in by_funder["amount_shared"]],
        }
    )


def recommendation_table(statuses: pd.DataFrame) -> pd.DataFrame:
    """core.queries.recommendation_status's rows with readable names: one per force area, as returned."""
    df = statuses.sort_values(["status", "short_name"])
    return pd.DataFrame(
        {
            "Force area": df["short_name"],
            "ONS code": df["pfa_code"],
            "Region": df["region"],
            "Status": df["status"],
            "Completed on (or planned for)": df["completed_on"].fillna(NOT_STATED),
            "Outcome": df["outcome"].fillna(""),
            "As at": [_iso(v) for v in df["reported_on"]],
        }
    ).reset_index(drop=True)


SERVICES_SHOWN = ("Force area", "Service", "Funder", "Start", "End")  # on the page, with the "At <date>" column


def quarters_table(dated: pd.DataFrame) -> pd.DataFrame:
    """Funded services by the quarter their end date falls in, earliest quarter first."""
    periods = pd.PeriodIndex(pd.to_datetime(dated["end_date"]), freq="Q")
    frame = dated.assign(_q=periods)
    rows = []
    for period, group in frame.groupby("_q", sort=True):
        rows.append(
            {
                "Quarter": f"{period.year} Q{period.quarter}",
                "Quarter ends": period.end_time.date().isoformat(),
                "Funded services ending": len(group),
                "Force areas": group["short_name"].nunique(),
                "Services": "; ".join(f"{r.short_name}: {r.service}" for r in group.itertuples()),
            }
        )
    return pd.DataFrame(rows, columns=["Quarter", "Quarter ends", "Funded services ending", "Force areas", "Services"])


def status_text(frame: pd.DataFrame, dim: palette.MapDimension) -> list[str]:
    """'● dedicated service — last reported 19 Dec 2024': symbol, status and when it was last reported."""
    return [
        f"{dim.symbol(v)} {headlines.last_reported(v, r, dated=not c)}"
        for v, r, c in zip(frame[dim.column], frame[dim.theme.reported_on], frame[dim.theme.current_column])
    ]


def theme_table(coverage: pd.DataFrame, dim: palette.MapDimension) -> pd.DataFrame:
    """One row per force area for one theme, in the legend's order of statuses, then by name."""
    rank = {status: i for i, status in enumerate(dim.order)}
    df = coverage.assign(_rank=coverage[dim.column].map(rank)).sort_values(["_rank", "short_name"])
    return pd.DataFrame(
        {
            "Force area": df["short_name"],
            "ONS code": df["pfa_code"],
            "Region": df["region"],
            dim.label: status_text(df, dim),
            # The map's hover gives the next funding end: its table view does too, derived ones marked.
            **(
                {
                    "Next funding end": [
                        next_end_text(v, d, r, p)
                        for v, d, r, p in zip(
                            df["next_funding_end"],
                            df["next_funding_end_derived"],
                            df["funding_risk"],
                            df["last_funding_end_passed"],
                        )
                    ]
                }
                if dim.key_figure == "next_funding_end" and "next_funding_end" in df
                else {}
            ),
            "Quotes": df["evidence_quotes"].astype(int),
        }
    ).reset_index(drop=True)


def next_end_text(value: object, derived: object, risk: object, passed: object) -> str:
    """'2025-03-31 (derived)'; otherwise why there is no date: not reported, an end passed, or none stated."""
    if pd.notna(value):
        return pd.Timestamp(value).date().isoformat() + (" (derived)" if bool(derived) else "")
    if risk == rules.NOT_REPORTED:
        return rules.NOT_REPORTED
    if pd.notna(passed):
        return f"ended {pd.Timestamp(passed).date().isoformat()}, renewal not reported"
    return "no date stated"


def _whole(value: float | None) -> str:
    return str(int(value)) if value is not None and pd.notna(value) else NOT_STATED


def forces_table(coverage: pd.DataFrame, region_order: list[str]) -> pd.DataFrame:
    """One row per force area with every theme, by region (north to south, Wales last), then name.

    The one table of force areas: the regional comparison page's table and its CSV and XLSX,
    and the briefing pack's data/force-areas files, are this frame (tests/test_golden_tables.py).
    Each status carries its symbol and the date it was last reported."""
    order = {r: i for i, r in enumerate(region_order)}
    df = coverage.assign(_r=coverage["region"].map(order)).sort_values(["_r", "short_name"])
    return pd.DataFrame(
        {
            "Force area": df["short_name"],
            "ONS code": df["pfa_code"],
            "Region": df["region"],
            rules.ISAC.label: status_text(df, palette.ISAC),
            "ISAs stated": [_whole(v) for v in df["isac_count"]],
            rules.ATTRIBUTE_LABELS["isa_fte"]: [f"{v:g}" if pd.notna(v) else NOT_STATED for v in df["isa_fte"]],
            rules.PROGRAMME.label: status_text(df, palette.PROGRAMME),
            rules.MASIP.label: status_text(df, palette.MASIP),
            rules.FUNDING.label: status_text(df, palette.FUNDING),
            rules.MEASURES["funding_at_risk"].label: df["funding_at_risk"].map({True: "yes", False: "no"}),
            "Next funding end": [
                next_end_text(v, d, r, p)
                for v, d, r, p in zip(
                    df["next_funding_end"],
                    df["next_funding_end_derived"],
                    df["funding_risk"],
                    df["last_funding_end_passed"],
                )
            ],
            "Funded services": df["funded_services"].astype(int),
            "Quotes": df["evidence_quotes"].astype(int),
        }
    ).reset_index(drop=True)


def region_table(shares: pd.DataFrame, rows: list[str]) -> pd.DataFrame:
    """Regions by measure: the number of force areas reporting each, beside each region's total."""
    measures = [m.label for m in rules.MEASURES.values()]
    counts = shares.pivot(index="region", columns="dimension", values="count").reindex(index=rows, columns=measures)
    counts.insert(0, "Force areas", shares.groupby("region")["total"].first().reindex(rows))
    return counts.reset_index().rename(columns={"region": "Region"})
