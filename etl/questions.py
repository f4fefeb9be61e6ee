"""The questions of a return, defined once.

An office answers these in the browser form, in the Excel workbook, or (for bulk
loaders) writes the equivalent rows of the return format directly. Every way in
becomes the same rows of the return format (etl.schema.RETURN), checked by the
same validator (etl.validate.check_return); the dictionary's "Return questions"
block is generated from here. Each question says, in an office's words, what it
asks, the answers it allows (values of data/allowed_values.csv) and the fact of
the return format it becomes (dimension and attribute). No Streamlit here.

"Not known" and "prefer not to say" are answers of their own, stored as such and
never read as "none".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core import rules


@dataclass(frozen=True)
class Choice:
    value: str  # stored (a value of data/allowed_values.csv)
    label: str  # shown to the office


@dataclass(frozen=True)
class Question:
    key: str  # stable: names the answer in forms, drafts and the workbook
    prompt: str
    help: str = ""
    kind: str = "text"  # text, choice, choices (several), integer, decimal, date, date_or_ongoing, amount
    choices: tuple[Choice, ...] = ()
    required: bool = False
    max_length: int | None = None
    dimension: str | None = None  # the fact it becomes, for scalar questions
    attribute: str | None = None

    @property
    def values(self) -> list[str]:
        return [c.value for c in self.choices]

    def label_of(self, value: str) -> str:
        return next((c.label for c in self.choices if c.value == value), value)


@dataclass(frozen=True)
class Listing:
    """A table of the return: one row per programme, arrangement or funded service."""

    key: str
    prompt: str
    help: str
    columns: tuple[Question, ...]
    max_rows: int = 30
    record: str = "fact"  # "fact": each row is one item of `dimension`; "funding": each row one funded service
    dimension: str | None = None

    def column(self, key: str) -> Question:
        return next(c for c in self.columns if c.key == key)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    intro: str
    questions: tuple[Question, ...] = ()
    listing: Listing | None = None
    evidence: bool = True  # an optional link or document reference for the section's answers

    @property
    def evidence_key(self) -> str:
        return f"{self.key}_evidence"


NOT_KNOWN = Choice("not known", "Not known")
PREFER_NOT = Choice("prefer not to say", "Prefer not to say")
SCOPE = (
    Choice("DA and non-DA", "Stalking linked to domestic abuse and stalking that is not"),
    Choice("DA only", "Only stalking linked to domestic abuse"),
    Choice("non-DA only", "Only stalking not linked to domestic abuse"),
)
RISK_LEVELS = (Choice("standard", "Standard"), Choice("medium", "Medium"), Choice("high", "High"))

ADVOCACY = Section(
    "advocacy",
    "Stalking advocacy",
    "Independent stalking advocates (ISA, formerly ISAC): since 2 February 2026 a role specified under the "
    "Victims and Prisoners Act 2024, with statutory guidance.",
    (
        Question(
            "isa_model",
            "How are independent stalking advocates provided in your force area?",
            "Choose the answer that fits best; 'None' means you know there are none.",
            "choice",
            (
                Choice("dedicated service", "A dedicated stalking advocacy service"),
                Choice("ISACs within wider services", "Advocates within wider victim or domestic abuse services"),
                Choice("training or champions only", "Stalking training or champions only, no advocates"),
                Choice("none stated", "None"),
                NOT_KNOWN,
                PREFER_NOT,
            ),
            required=True,
            dimension="isac_provision",
            attribute="status",
        ),
        Question(
            "isa_fte",
            "How many independent stalking advocate posts are there, in full-time equivalents (FTE)?",
            "For example 2.5. Leave blank if not known.",
            "decimal",
            dimension="isac_provision",
            attribute="isa_fte",
        ),
        Question(
            "isa_headcount",
            "How many people hold those posts (headcount)?",
            "A whole number. Leave blank if not known.",
            "integer",
            dimension="isac_provision",
            attribute="isac_count",
        ),
        Question(
            "isa_providers",
            "Which organisations provide the advocacy?",
            "Separate several with a semicolon (;).",
            "text",
            max_length=300,
            dimension="isac_provision",
            attribute="provider",
        ),
        Question(
            "isa_coverage",
            "Which stalking does the advocacy cover?",
            "",
            "choice",
            SCOPE,
            dimension="isac_provision",
            attribute="scope",
        ),
        Question(
            "isa_risk_levels",
            "Which risk levels does it cover?",
            "Choose all that apply.",
            "choices",
            RISK_LEVELS,
            dimension="isac_provision",
            attribute="risk_level",
        ),
        Question(
            "isa_referrals",
            "How many referrals did the advocates receive in the last 12 months, if known?",
            "A whole number. Leave blank if not known.",
            "integer",
            dimension="isac_provision",
            attribute="referrals_12_months",
        ),
    ),
)

PROGRAMMES = Section(
    "programmes",
    "Perpetrator interventions",
    "Every intervention for stalking perpetrators your office commissions or plans (for example COBI, "
    "'Letting Go', C-DAIR, PLSI).",
    (
        Question(
            "programmes_none",
            "If you list no intervention below: is there none, or is it not known?",
            "Leave blank when you list interventions.",
            "choice",
            (Choice("none stated", "There is none"), NOT_KNOWN, PREFER_NOT),
            dimension="perpetrator_programme",
            attribute="status",
        ),
    ),
    Listing(
        "programmes",
        "Interventions",
        "One row per intervention.",
        (
            Question("name", "Intervention", "Its name.", "text", required=True, max_length=160, attribute="programme"),
            Question("provider", "Provider", "", "text", max_length=160, attribute="provider"),
            Question("coverage", "Covers", "", "choice", SCOPE, attribute="scope"),
            Question("risk_levels", "Risk levels", "", "choices", RISK_LEVELS, attribute="risk_level"),
            Question(
                "status",
                "Status",
                "",
                "choice",
                (
                    Choice("running", "Running"),
                    Choice("pilot", "Pilot"),
                    Choice("planned", "Planned"),
                    Choice("ended", "Ended"),
                ),
                required=True,
                attribute="programme_status",
            ),
            Question("evidence", "Evidence (link or document)", "", "text", max_length=400),
        ),
        dimension="perpetrator_programme",
    ),
)

MULTI_AGENCY = Section(
    "multi_agency",
    "Multi-agency arrangements",
    "Multi-agency stalking intervention programmes (MASIP), stalking clinics and panels, and the risk forums "
    "used for stalking.",
    (
        Question(
            "arrangements_none",
            "If you list no arrangement below: is there none, or is it not known?",
            "Leave blank when you list arrangements.",
            "choice",
            (Choice("none stated", "There is none"), NOT_KNOWN, PREFER_NOT),
            dimension="multi_agency",
            attribute="masip_status",
        ),
        Question(
            "risk_forums",
            "Which multi-agency risk forums are used for stalking cases?",
            "Choose all that apply.",
            "choices",
            (
                Choice("MAPPA", "MAPPA"),
                Choice("MARAC", "MARAC"),
                Choice("MATAC", "MATAC"),
                Choice("other panel", "Another panel"),
            ),
            dimension="multi_agency",
            attribute="risk_forum",
        ),
    ),
    Listing(
        "arrangements",
        "Arrangements",
        "One row per MASIP, stalking clinic or panel.",
        (
            Question(
                "name",
                "Name",
                "For example D-SIP, NSIP, MASP.",
                "text",
                required=True,
                max_length=160,
                attribute="arrangement",
            ),
            Question(
                "kind",
                "Kind",
                "",
                "choice",
                (
                    Choice("MASIP", "MASIP"),
                    Choice("stalking clinic", "Stalking clinic"),
                    Choice("stalking panel", "Stalking panel"),
                    Choice("other", "Other"),
                ),
                attribute="arrangement_kind",
            ),
            Question(
                "status",
                "Status",
                "",
                "choice",
                (
                    Choice("running", "Running"),
                    Choice("pilot", "Pilot"),
                    Choice("being set up", "Being set up"),
                    Choice("exploring", "Exploring"),
                    Choice("ended", "Ended"),
                ),
                required=True,
                attribute="arrangement_status",
            ),
            Question(
                "partners",
                "Partners",
                "Separate several with a semicolon (;).",
                "text",
                max_length=300,
                attribute="partners",
            ),
            Question("evidence", "Evidence (link or document)", "", "text", max_length=400),
        ),
        dimension="multi_agency",
    ),
)

FUNDING = Section(
    "funding",
    "Funded services",
    "Every stalking service your office funds or co-funds. Keep a row for a service that has ended and set its "
    "status to Ended. Columns follow 360Giving's grant standard where one fits.",
    (
        Question(
            "funding_none",
            "If you list no funded service below: is there none, or is it not known?",
            "Leave blank when you list services.",
            "choice",
            (Choice("none stated", "There is none"), NOT_KNOWN, PREFER_NOT),
            dimension="funding",
            attribute="statement",
        ),
    ),
    Listing(
        "funded_services",
        "Funded services",
        "One row per funded service.",
        (
            Question(
                "stream_id",
                "Key",
                "Filled in for services already reported; leave blank for a new one.",
                "text",
                max_length=80,
            ),
            Question("service", "Service", "What is funded.", "text", required=True, max_length=160),
            Question("provider", "Provider (recipient organisation)", "", "text", max_length=160),
            Question(
                "provision",
                "Provides",
                "",
                "choice",
                (
                    Choice("isac_provision", "Stalking advocacy"),
                    Choice("perpetrator_programme", "Perpetrator intervention"),
                    Choice("multi_agency", "Multi-agency arrangement"),
                    Choice("awareness_training", "Awareness or training"),
                    Choice("service_review", "Review or evaluation"),
                ),
            ),
            Question(
                "funder",
                "Funder",
                "",
                "choice",
                (
                    Choice("MoJ victims grant", "MoJ victims grant"),
                    Choice("Home Office perpetrator fund", "Home Office perpetrator fund"),
                    Choice("commissioner core", "PCC core budget"),
                    Choice("Community Safety Fund", "Community Safety Fund"),
                    Choice("local authority", "Local authority"),
                    Choice("lottery or charitable", "Lottery or charitable"),
                    Choice("other", "Other (name it)"),
                ),
                required=True,
            ),
            Question("funder_detail", "Funder, if other", "", "text", max_length=200),
            Question(
                "amount", "Annual amount (£), if you will share it", "Whole pounds; or 'prefer not to say'.", "amount"
            ),
            Question("start_date", "Start", "", "date"),
            Question("end_date", "End (or 'ongoing')", "", "date_or_ongoing"),
            Question(
                "status",
                "Status",
                "",
                "choice",
                (
                    Choice("secure", "Secure"),
                    Choice("at risk", "At risk"),
                    Choice("ending", "Ending"),
                    Choice("ended", "Ended"),
                ),
                required=True,
            ),
            Question("note", "Note", "", "text", max_length=400),
            Question("evidence", "Evidence (link or document)", "", "text", max_length=400),
        ),
        record="funding",
    ),
)

REC_STATUS = (
    Choice("complete", "Complete"),
    Choice("in progress", "In progress"),
    Choice("not started", "Not started"),
    NOT_KNOWN,
)
RECOMMENDATIONS = Section(
    "recommendations",
    "Recommendations 15, 16 and 25",
    "Where your office's review or action on each recommendation stands. The APCC counts these in its "
    "collective response.",
    tuple(
        q
        for rec, ask in (
            ("15", "review stalking victim services, including independent stalking advocates"),
            ("16", "embed information sharing with victim services in commissioning"),
            ("25", "improve multi-agency working on stalking perpetrators"),
        )
        for q in (
            Question(
                f"rec{rec}_status",
                f"Recommendation {rec} ({ask}): where does it stand?",
                "",
                "choice",
                REC_STATUS,
                dimension="recommendations",
                attribute="status",
            ),
            Question(
                f"rec{rec}_date",
                f"Recommendation {rec}: completed on (or planned for)",
                "",
                "date",
                dimension="recommendations",
                attribute="completed_on",
            ),
            Question(
                f"rec{rec}_outcome",
                f"Recommendation {rec}: the outcome in a sentence or two",
                "",
                "text",
                max_length=400,
                dimension="recommendations",
                attribute="outcome",
            ),
        )
    ),
)

BODY = Section(
    "body",
    "Commissioning body",
    "Confirm or correct the body that commissions services for your force area (bodies change when PCCs are "
    "abolished in 2028).",
    (
        Question(
            "body_name",
            "Name of the commissioning body",
            "",
            "text",
            required=True,
            max_length=120,
            dimension="commissioning_body",
            attribute="name",
        ),
        Question(
            "body_kind",
            "Kind of body",
            "",
            "choice",
            (
                Choice("Police and Crime Commissioner", "Police and Crime Commissioner"),
                Choice("Police, Fire and Crime Commissioner", "Police, Fire and Crime Commissioner"),
                Choice("Mayor's Office for Policing and Crime", "Mayor's Office for Policing and Crime"),
                Choice("Mayoral combined authority", "Mayoral combined authority"),
                Choice("Policing board", "Policing board"),
                Choice("City of London Corporation", "City of London Corporation"),
            ),
            required=True,
            dimension="commissioning_body",
            attribute="kind",
        ),
    ),
    evidence=False,
)

SIGN_OFF = Section(
    "sign_off",
    "Sign-off",
    "Who completed the return, who signed it off, and the date the answers describe.",
    (
        Question("as_at", "The date these answers describe (as at)", "Not in the future.", "date", required=True),
        Question("submitted_by", "Your name and role", "", "text", required=True, max_length=120),
        Question("signed_off_by", "Signed off by (name and role)", "", "text", required=True, max_length=120),
        Question(
            "return_evidence",
            "A link or document reference for the return as a whole (optional)",
            "",
            "text",
            max_length=400,
        ),
    ),
    evidence=False,
)

SECTIONS: tuple[Section, ...] = (ADVOCACY, PROGRAMMES, MULTI_AGENCY, FUNDING, RECOMMENDATIONS, BODY, SIGN_OFF)
QUESTIONS: dict[str, Question] = {q.key: q for s in SECTIONS for q in s.questions}
LISTINGS: dict[str, Listing] = {s.listing.key: s.listing for s in SECTIONS if s.listing}
RECOMMENDATION_ITEMS = rules.RECOMMENDATIONS


def section_of(key: str) -> Section:
    return next(s for s in SECTIONS if key in {q.key for q in s.questions} or (s.listing and s.listing.key == key))


@dataclass
class Answers:
    """A return's answers as an office gives them: by question key, and rows of each listing.

    Values are text as a form holds them: dates as YYYY-MM-DD, several choices joined with '; '.
    """

    force: str  # ONS code
    values: dict[str, str] = field(default_factory=dict)
    rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"force": self.force, "values": dict(self.values), "rows": {k: list(v) for k, v in self.rows.items()}}

    @classmethod
    def from_json(cls, data: dict) -> Answers:
        return cls(
            force=str(data["force"]),
            values=dict(data.get("values", {})),
            rows={k: [dict(r) for r in v] for k, v in data.get("rows", {}).items()},
        )
