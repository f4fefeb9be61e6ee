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
    # text, paragraph (a longer text: an example to quote), choice, choices (several), integer, decimal,
    # date, date_or_ongoing, amount
    kind: str = "text"
    choices: tuple[Choice, ...] = ()
    required: bool = False
    max_length: int | None = None
    dimension: str | None = None  # the fact it becomes, for scalar questions
    attribute: str | None = None
    several: bool = False  # a text answer that names several things, separated by ';' (one fact each)

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

# An example the APCC may quote: a paragraph in the office's own words, published (and quoted in the
# APCC's collective response, naming the office) only with the office's explicit consent.
EXAMPLE_MAX = 1000
CONSENT = (
    Choice("yes", "Yes: the APCC may quote it and name our office"),
    Choice("no", "No: it only informs the APCC's response"),
)
EXAMPLE, CONSENTED = "example", "example_consent"  # the attributes an example and its consent become


def example_questions(section_key: str, dimension: str, theme: str) -> tuple[Question, Question]:
    """The two questions every theme ends with: an example the APCC may quote, and the consent to quote it."""
    return (
        Question(
            f"{section_key}_example",
            f"An example of your work on {theme} that the APCC may quote (optional)",
            f"A paragraph in your office's own words, at most {EXAMPLE_MAX:,} characters: what you did, with whom, "
            "and what changed.",
            "paragraph",
            max_length=EXAMPLE_MAX,
            dimension=dimension,
            attribute=EXAMPLE,
        ),
        Question(
            f"{section_key}_example_consent",
            f"May the APCC quote your example on {theme} and name your office?",
            "Needed when you give an example. 'No' keeps it out of anything published.",
            "choice",
            CONSENT,
            dimension=dimension,
            attribute=CONSENTED,
        ),
    )


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
                Choice(
                    "stalking support within wider services",
                    "Stalking support within wider victim or domestic abuse services, without named advocates",
                ),
                Choice("training or champions only", "Stalking training or champions only, no advocates"),
                Choice("model not stated", "Advocates, without saying how they are provided"),
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
            several=True,
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
        *example_questions("advocacy", "isac_provision", "stalking advocacy"),
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
        *example_questions("programmes", "perpetrator_programme", "perpetrator interventions"),
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
        *example_questions("multi_agency", "multi_agency", "multi-agency working"),
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
        *example_questions("funding", "funding", "funding"),
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
                    Choice("Home Office (other)", "Home Office, other funding"),
                    Choice("commissioner core", "PCC core budget"),
                    Choice("commissioner (source not stated)", "PCC, budget not stated"),
                    Choice("Community Safety Fund", "Community Safety Fund"),
                    Choice("local authority", "Local authority"),
                    Choice("National Lottery", "National Lottery Community Fund"),
                    Choice("lottery or charitable", "Lottery or charitable"),
                    Choice("grant (funder not stated)", "A grant, funder not stated"),
                    Choice("not stated", "Funder not stated"),
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
                    Choice("renewed", "Renewed or extended"),
                    Choice("fixed term", "Fixed term: ends on its end date, not said to be at risk"),
                    Choice("funded", "Funded, no end date or risk stated"),
                    # As the sources give some grants (issue 26, item 7), so a pre-filled return is taken unchanged.
                    Choice("one-off grant", "One-off grant: given in the past, no period stated"),
                ),
                required=True,
            ),
            Question("note", "Note", "", "text", max_length=400),
            Question("evidence", "Evidence (link or document)", "", "text", max_length=400),
        ),
        record="funding",
    ),
)

CO_COMMISSIONING = Section(
    "co_commissioning",
    "Co-commissioning",
    "Stalking services your office commissions jointly with other commissioners or with statutory partners "
    "(local authorities, health, probation), within your force area or across its borders.",
    (
        Question(
            "cocom_status",
            "Does your office commission any stalking service jointly with another body?",
            "",
            "choice",
            (
                Choice("in place", "Yes, at least one service is commissioned jointly"),
                Choice("planned or exploring", "Not yet: planned or being explored"),
                Choice("none stated", "No"),
                NOT_KNOWN,
                PREFER_NOT,
            ),
            required=True,
            dimension="co_commissioning",
            attribute="status",
        ),
        Question(
            "cocom_partners",
            "Who does your office commission stalking services with?",
            "Choose all that apply.",
            "choices",
            (
                Choice("other commissioners", "Other PCCs or mayors"),
                Choice("local authorities", "Local authorities"),
                Choice("health", "Health bodies (ICB, NHS trusts)"),
                Choice("probation", "Probation"),
                Choice("other", "Others"),
            ),
            dimension="co_commissioning",
            attribute="partner",
        ),
        Question(
            "cocom_areas",
            "Which other force areas do the jointly commissioned services cover, if any?",
            "Name them, separated by a semicolon (;), e.g. Norfolk; Suffolk.",
            "text",
            max_length=300,
            dimension="co_commissioning",
            attribute="partner_area",
            several=True,
        ),
        Question(
            "cocom_contracts",
            "How many joint contracts for stalking services are in place?",
            "A whole number. Leave blank if not known.",
            "integer",
            dimension="co_commissioning",
            attribute="joint_contracts",
        ),
        *example_questions("co_commissioning", "co_commissioning", "co-commissioning"),
    ),
)

INFORMATION_SHARING = Section(
    "information_sharing",
    "Data and information sharing (Recommendation 16)",
    "How information about stalking cases is shared between the police, your office and the services that "
    "support victims.",
    (
        Question(
            "sharing_status",
            "Is there an information-sharing agreement between the police, your office and the providers of "
            "stalking services?",
            "",
            "choice",
            (
                Choice("in place", "Yes, an agreement is in place"),
                Choice("being agreed or reviewed", "Being agreed or reviewed"),
                Choice("none stated", "No"),
                NOT_KNOWN,
                PREFER_NOT,
            ),
            required=True,
            dimension="information_sharing",
            attribute="status",
        ),
        Question(
            "sharing_what",
            "What do the police and the providers share?",
            "Choose all that apply.",
            "choices",
            (
                Choice("referrals", "Referrals of victims"),
                Choice("risk assessments", "Risk assessments"),
                Choice("case progress", "Case progress and outcomes"),
                Choice("police systems access", "Provider staff's access to police systems"),
                Choice("performance data", "Performance data"),
            ),
            dimension="information_sharing",
            attribute="shared",
        ),
        Question(
            "sharing_reviewed",
            "When was the information-sharing agreement last reviewed?",
            "",
            "date",
            dimension="information_sharing",
            attribute="reviewed_on",
        ),
        *example_questions("information_sharing", "information_sharing", "data and information sharing"),
    ),
)

SCRUTINY = Section(
    "scrutiny",
    "Scrutiny and accountability",
    "How your office holds the chief constable to account for the response to stalking and monitors the "
    "services it commissions, and any independent review of that response.",
    (
        Question(
            "scrutiny_means",
            "How does your office scrutinise the response to stalking?",
            "Choose all that apply.",
            "choices",
            (
                Choice("chief constable meetings", "Performance meetings with the chief constable"),
                Choice("board or panel", "A board or panel that covers stalking"),
                Choice("contract monitoring", "Monitoring of commissioned services"),
                Choice("dip-sampling", "Dip-sampling of cases"),
                Choice("plan priority", "Stalking or violence against women and girls in the Police and Crime Plan"),
            ),
            dimension="scrutiny",
            attribute="means",
        ),
        Question(
            "scrutiny_review",
            "Has the response to stalking in your force area been reviewed independently (for example by the "
            "Suzy Lamplugh Trust)?",
            "",
            "choice",
            (
                Choice("completed", "Yes, a review is completed"),
                Choice("under way", "A review is under way"),
                Choice("planned", "A review is planned"),
                Choice("none stated", "No"),
                NOT_KNOWN,
            ),
            required=True,
            dimension="scrutiny",
            attribute="review_status",
        ),
        Question(
            "scrutiny_reviewer",
            "Who carried out the independent review (or will), and when?",
            "",
            "text",
            max_length=200,
            dimension="scrutiny",
            attribute="reviewer",
        ),
        *example_questions("scrutiny", "scrutiny", "scrutiny and accountability"),
    ),
)

AWARENESS = Section(
    "awareness_training",
    "Awareness and training",
    "Stalking training and awareness your office commissioned or funded in the 12 months before the as-at date.",
    (
        Question(
            "training_status",
            "Did your office commission or fund stalking training or awareness in the last 12 months?",
            "",
            "choice",
            (
                Choice("commissioned", "Yes"),
                Choice("planned", "Not yet: planned"),
                Choice("none stated", "No"),
                NOT_KNOWN,
                PREFER_NOT,
            ),
            required=True,
            dimension="awareness_training",
            attribute="status",
        ),
        Question(
            "training_for",
            "Who was the training or awareness for?",
            "Choose all that apply.",
            "choices",
            (
                Choice("police", "Police officers and staff"),
                Choice("commissioned services", "Staff of commissioned services (IDVAs, ISVAs, advocates)"),
                Choice("other professionals", "Other professionals"),
                Choice("young people", "Schools and young people"),
                Choice("the public", "The public (campaigns)"),
            ),
            dimension="awareness_training",
            attribute="audience",
        ),
        Question(
            "training_count",
            "How many people were trained, if known?",
            "A whole number. Leave blank if not known.",
            "integer",
            dimension="awareness_training",
            attribute="trained",
        ),
        Question(
            "training_providers",
            "Who delivered the training?",
            "For example Paladin or the Suzy Lamplugh Trust. Separate several with a semicolon (;).",
            "text",
            max_length=300,
            dimension="awareness_training",
            attribute="provider",
            several=True,
        ),
        *example_questions("awareness_training", "awareness_training", "awareness and training"),
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

SECTIONS: tuple[Section, ...] = (
    ADVOCACY,
    PROGRAMMES,
    MULTI_AGENCY,
    FUNDING,
    CO_COMMISSIONING,
    INFORMATION_SHARING,
    SCRUTINY,
    AWARENESS,
    RECOMMENDATIONS,
    BODY,
    SIGN_OFF,
)
# The themes that ask only questions with one answer each (no table), turned into facts one to one.
SCALAR_THEMES: tuple[Section, ...] = (CO_COMMISSIONING, INFORMATION_SHARING, SCRUTINY, AWARENESS)
QUESTIONS: dict[str, Question] = {q.key: q for s in SECTIONS for q in s.questions}
LISTINGS: dict[str, Listing] = {s.listing.key: s.listing for s in SECTIONS if s.listing}
RECOMMENDATION_ITEMS = rules.RECOMMENDATIONS


def _scalar_question(dimension: str, attribute: str, item: str | None) -> Question | None:
    if dimension == "recommendations" and item:
        part = {"status": "status", "completed_on": "date", "outcome": "outcome"}.get(attribute)
        return QUESTIONS.get(f"{item}_{part}") if part else None
    return next((q for q in QUESTIONS.values() if (q.dimension, q.attribute) == (dimension, attribute)), None)


def answer_words(dimension: str, attribute: str, value: str, item: str | None = None, item_name: str = "") -> str:
    """What a fact of a return says, in the office's words: the question it answers and the answer as the
    office chose or wrote it (a published card cites this, not who sent the return)."""
    if attribute == EXAMPLE:
        return value  # the office's own paragraph
    q = _scalar_question(dimension, attribute, item)
    if q is not None:
        return f"{q.prompt.removesuffix(' (optional)')} {q.label_of(value)}"
    listing = next((x for x in LISTINGS.values() if x.dimension == dimension), None)
    column = next((c for c in listing.columns if c.attribute == attribute), None) if listing else None
    if column is not None:
        name = f" '{item_name}'" if item_name and column.attribute not in ("programme", "arrangement") else ""
        return f"{listing.prompt}{name}: {column.prompt}: {column.label_of(value)}"
    return f"{rules.ATTRIBUTE_LABELS.get(attribute, attribute.replace('_', ' ').capitalize())}: {value}"


def service_words(row: dict[str, str]) -> str:
    """A funded service of a return in the office's words: what, by whom, funded by whom, until when, status."""
    listing = LISTINGS["funded_services"]
    parts = [row.get("service", "")]
    if row.get("provider"):
        parts[0] += f" ({row['provider']})"
    funder = listing.column("funder").label_of(row.get("funder", ""))
    parts.append(
        f"funded by {row['funder_detail'] if row.get('funder') == 'other' and row.get('funder_detail') else funder}"
    )
    end = row.get("end_date", "")
    if end:
        parts.append("ongoing" if end == "ongoing" else f"to {end}")
    if row.get("status"):
        parts.append(listing.column("status").label_of(row["status"]))
    return "; ".join(p for p in parts if p)


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
