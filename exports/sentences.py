"""Key figures as sentences, for a force, a region or England and Wales.

Used by the Overview ("the key figures in words") and by the briefing packs, so
the same numbers are said in the same words. Counts follow core.rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd

from core.rules import NOT_REPORTED, window_end
from core.rules import PROVIDED as PROVISION
from core.text import long_date
from exports.scope import Scope


def count_of(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def _verb(count: int, singular: str, plural: str) -> str:
    return singular if count == 1 else plural


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _others(counts: pd.Series, phrases: dict[str, Callable[[int], str]], skip: tuple[str, ...]) -> str:
    """'1 reports training or champions only and 2 are not reported' for the statuses not counted."""
    parts = [
        phrases[status](int(counts.get(status, 0)))
        for status in phrases
        if status not in skip and counts.get(status, 0)
    ]
    return _join(parts)


_ISAC_OTHERS = {
    "training or champions only": lambda c: f"{c} {_verb(c, 'reports', 'report')} stalking training or champions only",
    "model not stated": lambda c: (
        f"{c} {_verb(c, 'reports', 'report')} stalking advocates without saying how they are provided"
    ),
    "none stated": lambda c: f"{c} {_verb(c, 'states', 'state')} there is no ISAC or specialist stalking service",
    NOT_REPORTED: lambda c: f"{c} {_verb(c, 'is', 'are')} not reported",
}
_PROGRAMME_OTHERS = {
    "developing": lambda c: f"{c} {_verb(c, 'is', 'are')} developing one",
    "none stated": lambda c: f"{c} {_verb(c, 'states', 'state')} there is none",
    NOT_REPORTED: lambda c: f"{c} {_verb(c, 'is', 'are')} not reported",
}
_MASIP_OTHERS = {
    "developing": lambda c: f"{c} {_verb(c, 'is', 'are')} setting one up",
    "exploring": lambda c: f"{c} {_verb(c, 'is', 'are')} exploring one",
    "none stated": lambda c: f"{c} {_verb(c, 'states', 'state')} there is none",
    NOT_REPORTED: lambda c: f"{c} {_verb(c, 'is', 'are')} not reported",
}

_FUNDING_OTHERS = {
    "later end date": lambda c: f"{c} {_verb(c, 'reports', 'report')} end dates more than six months away",
    "no end date reported": lambda c: f"{c} {_verb(c, 'reports', 'report')} funding with no end date or risk stated",
    NOT_REPORTED: lambda c: f"{c} {_verb(c, 'is', 'are')} not reported on funding",
}


def _sentence(main: str, others: str) -> str:
    return f"{main}; {others}." if others else f"{main}."


def area_sentences(cov: pd.DataFrame, streams: pd.DataFrame, scope: Scope, as_at: dt.date) -> list[str]:
    """Key figures for a region or England and Wales, as sentences."""
    n = len(cov)
    where = f"the {n} force areas in {scope.place}" if n != 1 else f"the 1 force area in {scope.place}"
    out = []

    isac = cov["isac_status"].value_counts()
    k = sum(int(isac.get(s, 0)) for s in PROVISION["isac"])
    detail = _detail(isac, {"dedicated service": "dedicated service", "within wider services": "within wider services"})
    out.append(
        _sentence(
            f"{k} of {where} {_verb(k, 'reports', 'report')} a dedicated stalking service or ISACs "
            f"within wider services{detail}",
            _others(isac, _ISAC_OTHERS, PROVISION["isac"]),
        )
    )
    counts = cov["isac_count"].dropna()
    if len(counts):
        out.append(
            f"Where a number is stated, {count_of(int(counts.sum()), 'ISAC or dedicated stalking advocate post')} "
            f"{_verb(int(counts.sum()), 'is', 'are')} reported across {count_of(len(counts), 'force area')}."
        )

    prog = cov["perpetrator_programme_status"].value_counts()
    k = int(prog.get("commissioned", 0))
    out.append(
        _sentence(
            f"{k} of {where} {_verb(k, 'reports', 'report')} a commissioned stalking perpetrator programme",
            _others(prog, _PROGRAMME_OTHERS, PROVISION["programme"]),
        )
    )

    masip = cov["masip_status"].value_counts()
    k = sum(int(masip.get(s, 0)) for s in PROVISION["masip"])
    detail = _detail(masip, {"established": "established", "pilot": "pilot"})
    out.append(
        _sentence(
            f"{k} of {where} {_verb(k, 'reports', 'report')} a multi-agency stalking intervention "
            f"programme (MASIP), stalking clinic or panel that is running{detail}",
            _others(masip, _MASIP_OTHERS, PROVISION["masip"]),
        )
    )

    risk = cov["funding_risk"].value_counts()
    k = int(cov["funding_at_risk"].sum())
    parts = [
        f"{int(risk.get(s, 0))} {label}"
        for s, label in (
            ("ends within 6 months", "with a funded service ending within six months"),
            ("end date passed", "with a stated end date already passed"),
            ("at risk, no date", "at risk with no end date stated"),
        )
        if risk.get(s, 0)
    ]
    main = f"As at {long_date(as_at)}, {k} of {where} {_verb(k, 'has', 'have')} stalking funding at risk"
    main += f" ({_join(parts)})" if parts else ""
    out.append(_sentence(main, _others(risk, _FUNDING_OTHERS, ())))
    out.extend(_stream_sentences(streams, scope, as_at))
    return out


def _detail(counts: pd.Series, labels: dict[str, str]) -> str:
    """' (1 dedicated service, 2 within wider services)': the non-zero parts of a total."""
    parts = [f"{int(counts.get(s, 0))} {label}" for s, label in labels.items() if counts.get(s, 0)]
    return f" ({', '.join(parts)})" if parts else ""


def _stream_sentences(streams: pd.DataFrame, scope: Scope, as_at: dt.date) -> list[str]:
    if streams.empty:
        return [
            f"No funded stalking services are reported for {scope.place}: not reported, which is not the same as none."
        ]
    dated = streams[streams["end_date"].notna()]
    ends = pd.to_datetime(dated["end_date"]).dt.date
    within = int(((ends >= as_at) & (ends <= window_end(as_at))).sum())
    out = f"{count_of(len(streams), 'funded stalking service')} {_verb(len(streams), 'is', 'are')} reported for {scope.place}"
    if len(dated):
        out += (
            f"; {len(dated)} {_verb(len(dated), 'has', 'have')} a stated end date, and {within} "
            f"{_verb(within, 'ends', 'end')} within six months after {long_date(as_at)}"
        )
        if (ends < as_at).any():
            out += f" ({int((ends < as_at).sum())} already past {_verb(int((ends < as_at).sum()), 'its', 'their')} end date)"
    return [out + "."]


_FORCE_ISAC = {
    "dedicated service": "{name} reports a dedicated stalking service for victims{count}.",
    "within wider services": "{name} supports stalking victims within wider victim or domestic abuse services{count}.",
    "training or champions only": "{name} reports stalking training or champions in wider services, with no ISAC or specialist advocate stated.",
    "model not stated": "{name} reports stalking advocates, but the source does not say how they are provided{count}.",
    "none stated": "The source indicates {name} has no ISAC or specialist stalking service.",
}
_FORCE_PROGRAMME = {
    "commissioned": "{name} reports a commissioned stalking perpetrator programme.",
    "developing": "{name} reports a stalking perpetrator programme being procured, designed or scoped.",
    "none stated": "The source indicates {name} has no stalking perpetrator intervention.",
}
_FORCE_MASIP = {
    "established": "{name} reports an established MASIP, stalking clinic or panel.",
    "pilot": "{name} reports a MASIP, stalking clinic or panel running as a pilot.",
    "developing": "{name} reports a MASIP, stalking clinic or panel being set up.",
    "exploring": "{name} is exploring a MASIP or stalking clinic.",
    "none stated": "The source indicates {name} has no MASIP, stalking clinic or panel.",
}


def force_sentences(row: pd.Series, streams: pd.DataFrame, as_at: dt.date) -> list[str]:
    """Key figures for one force, as sentences."""
    name = row["short_name"]
    count = row["isac_count"]
    count_text = (
        "" if pd.isna(count) else f", with {count_of(int(count), 'ISAC or dedicated stalking advocate post')} stated"
    )

    def pick(templates: dict[str, str], status: str, theme: str) -> str:
        if status == NOT_REPORTED or status not in templates:
            return (
                f"{theme} in {name}: not reported. The sources do not quote {name} on this, "
                "which is not the same as none."
            )
        return templates[status].format(name=name, count=count_text)

    out = [
        pick(_FORCE_ISAC, row["isac_status"], "Support for stalking victims"),
        pick(_FORCE_PROGRAMME, row["perpetrator_programme_status"], "A stalking perpetrator programme"),
        pick(_FORCE_MASIP, row["masip_status"], "A MASIP or stalking clinic"),
    ]
    risk = row["funding_risk"]
    nxt = row["next_funding_end"]
    nxt_text = long_date(pd.Timestamp(nxt).date()) if pd.notna(nxt) else None
    earliest = row["earliest_funding_end"]
    if risk == "ends within 6 months":
        out.append(
            f"{name} has a funded stalking service ending within six months after {long_date(as_at)}: "
            f"the next stated end date is {nxt_text}."
        )
    elif risk == "end date passed":
        passed = long_date(pd.Timestamp(earliest).date()) if pd.notna(earliest) else "an earlier date"
        out.append(
            f"A funded stalking service in {name} had a stated end date before {long_date(as_at)} "
            f"({passed}), and no later return reports what happened."
        )
    elif risk == "at risk, no date":
        out.append(f"{name} reports stalking funding at risk or unconfirmed, with no end date stated.")
    elif risk == "later end date":
        out.append(
            f"Every stated end date for funded stalking services in {name} is more than six months after "
            f"{long_date(as_at)}; the next is {nxt_text}."
        )
    elif risk == "no end date reported":
        out.append(f"{name} reports funded stalking services with no end date and no risk stated.")
    else:
        out.append(
            f"Funding for stalking services in {name}: not reported. The sources do not quote {name} on "
            "funding, which is not the same as no funding."
        )
    if len(streams):
        out.append(
            f"{count_of(len(streams), 'funded stalking service')} {_verb(len(streams), 'is', 'are')} reported for {name}."
        )
    return out
