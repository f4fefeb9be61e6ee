"""What every export shares: file names and the metadata written beside the data.

No Streamlit and no SQL here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from charts.chart_text import ChartText
from core import clock
from core.text import data_as_at_line, file_stem, long_date

LICENCE = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
NOT_REPORTED_NOTE = (
    "Not reported means the sources do not quote the force area on that theme. It is not the same as none."
)


def source_line(source: str) -> str:
    """The source as one line that starts with 'Source:'."""
    return f"Source: {source_text(source)}"


def source_text(source: str) -> str:
    """The source on one line, without a leading 'Source:'."""
    source = " ".join(str(source).split())
    return source[len("source:") :].strip() if source.lower().startswith("source:") else source


def filters_text(filters: dict[str, object] | None) -> str:
    """'Region: Wales; As at: 2024-12-19', or 'none' when nothing was filtered."""
    if not filters:
        return "none"
    parts = []
    for name, value in filters.items():
        if isinstance(value, (list, tuple, set)):
            value = ", ".join(str(v) for v in value) or "all"
        elif isinstance(value, dt.date):
            value = value.isoformat()
        parts.append(f"{name}: {value}")
    return "; ".join(parts)


@dataclass(frozen=True)
class ExportInfo:
    """The words that go with exported data: what it is, where it comes from and how it was filtered."""

    title: str
    source: str
    data_date: dt.date
    subtitle: str = ""
    notes: tuple[str, ...] = ()
    filters: dict[str, object] = field(default_factory=dict)
    as_at: dt.date | None = None
    generated: dt.datetime = field(default_factory=clock.local_now)

    @classmethod
    def from_text(
        cls,
        text: ChartText,
        filters: dict[str, object] | None = None,
        *,
        as_at: dt.date | None = None,
        generated: dt.datetime | None = None,
    ) -> ExportInfo:
        extra = {"generated": generated} if generated else {}
        return cls(
            title=text.title,
            source=text.source,
            data_date=text.data_date,
            subtitle=text.subtitle,
            notes=tuple(text.notes),
            filters=dict(filters or {}),
            as_at=as_at,
            **extra,
        )

    @property
    def stem(self) -> str:
        return file_stem(self.title, self.as_at or self.data_date)

    def rows(self) -> list[tuple[str, str]]:
        """(label, text) pairs, in the order they are written."""
        today = self.generated.date()
        rows = [("Title", self.title)]
        if self.subtitle:
            rows.append(("Subtitle", self.subtitle))
        rows.append(("Source", source_text(self.source)))
        rows.append(("Data as at", data_as_at_line(self.data_date, today).removeprefix("Data as at ")))
        if self.as_at:
            rows.append(("Position as at", long_date(self.as_at)))
        rows.extend(("Note", note) for note in self.notes)
        rows.append(("Filters", filters_text(self.filters)))
        rows.append(("Licence", f"{LICENCE} ({LICENCE_URL})"))
        rows.append(("Generated", self.generated.isoformat(sep=" ")))
        return rows
