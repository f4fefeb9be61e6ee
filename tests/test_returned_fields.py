"""The fields only returns carry reach the published position (issue 17): the advocates' FTE,
the annual amount of a funded service (summed per funder, never estimated for those not
shared), each recommendation's status (forces that have not returned one counted apart) and
the commissioning body with its date."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest
from docx import Document
from streamlit.testing.v1 import AppTest

from charts.mapfig import coverage_map
from core import clock, coverage, paths, queries, rules
from core.text import long_date
from exports import briefing
from exports.scope import resolve_scope
from tests.page_tables import markdown_table
from tests.workflow_fixtures import HERTS, HERTS_OFFICE, REVIEWER_ACTOR, open_round, sandbox  # noqa: F401
from workflow import review, submitting

# Depends on the date it runs: make test-dates runs it again at two later dates.
pytestmark = pytest.mark.dates

STREAM = "herts-moj-stalking-service"
# The as-at date of a round opened today (workflow_fixtures.open_round: positions as at last week).
AS_AT = clock.today() - dt.timedelta(days=6)
NEXT_MARCH = f"{AS_AT.year + 1}-03-31"  # an end date after the round's as-at date


def publish_herts(box) -> None:
    round_ = open_round(box, [HERTS])
    answers, _ = submitting.prefilled(round_, HERTS)
    answers.values.update(
        isa_fte="3.5",
        rec15_status="complete",
        rec15_date="2026-06-30",
        rec15_outcome="Review published; two more advocates commissioned.",
        rec16_status="in progress",
        body_name="Hertfordshire Police and Crime Commissioner",
        body_kind="Police and Crime Commissioner",
        submitted_by="Jane Smith, Policy Officer",
        signed_off_by="Chief Executive, OPCC",
    )
    for row in answers.rows["funded_services"]:
        if row["stream_id"] == STREAM:
            row.update(end_date=NEXT_MARCH, status="secure", amount="120000")
    sub = submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, answers=answers)
    review.accept(REVIEWER_ACTOR, sub.submission_id)


def test_fte_body_amounts_and_recommendations_are_published_from_a_return(sandbox):  # noqa: F811
    db = queries.Database(sandbox.database)
    before = queries.coverage(AS_AT, db=db).set_index("pfa_code").loc[HERTS]
    assert before["isa_fte"] != before["isa_fte"]  # NaN: the source gave no FTE
    assert coverage.by_funder(queries.funding_streams(AS_AT, db=db))["amount_shared"].isna().all()
    assert set(queries.recommendation_status(AS_AT, db=db)["status"]) == {rules.NOT_RETURNED}

    publish_herts(sandbox)
    db = queries.Database(sandbox.database)
    herts = queries.coverage(AS_AT, db=db).set_index("pfa_code").loc[HERTS]
    assert herts["isa_fte"] == 3.5
    assert herts["body_returned"] == "Hertfordshire Police and Crime Commissioner"
    assert herts["body_reported_on"].date() == AS_AT

    funders = coverage.by_funder(queries.funding_streams(AS_AT, db=db)).set_index("funder")
    assert funders.loc["MoJ victims grant", "amount_shared"] == 120000
    assert funders.loc["MoJ victims grant", "services_with_amount"] == 1
    assert funders.index[0] == "MoJ victims grant"  # the funders with amounts shared come first
    # Regions filter the sum: nothing shared in Wales.
    assert coverage.by_funder(queries.funding_streams(AS_AT, ["Wales"], db=db))["amount_shared"].isna().all()

    recs = queries.recommendation_status(AS_AT, db=db)
    assert len(recs) == 43 * len(rules.RECOMMENDATIONS)
    mine = recs[recs["pfa_code"] == HERTS].set_index("recommendation")
    assert mine.loc["15", "status"] == "complete" and mine.loc["15", "completed_on"] == "2026-06-30"
    assert mine.loc["16", "status"] == "in progress"
    assert mine.loc["25", "status"] == rules.NOT_RETURNED
    assert (recs[recs["pfa_code"] != HERTS]["status"] == rules.NOT_RETURNED).all()
    # Before the return's as-at date, nothing had been returned.
    assert set(queries.recommendation_status(AS_AT - dt.timedelta(days=1), db=db)["status"]) == {rules.NOT_RETURNED}


def test_the_recommendation_statuses_are_the_dictionary_and_the_form():
    """One list of statuses: the page counts what the form offers and the dictionary allows."""
    from etl.questions import REC_STATUS

    assert tuple(c.value for c in REC_STATUS) == rules.RECOMMENDATION_STATUSES
    with open(paths.ALLOWED_VALUES_CSV, encoding="utf-8") as f:
        dictionary = [r["value"] for r in csv.DictReader(f) if r["field"] == "recommendation_status"]
    assert tuple(dictionary) == rules.RECOMMENDATION_STATUSES


def page(script: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(paths.REPO_ROOT / "app.py"), default_timeout=60)
    for key, value in {"as_at": AS_AT.isoformat(), **(query or {})}.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(script)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(at) -> str:
    """The page's text as a reader sees it (without the escaping of Markdown characters)."""
    return " ".join(str(e.value) for e in (*at.markdown, *at.caption, *at.subheader, *at.info)).replace("\\", "")


def test_returned_fields_are_shown_where_people_look(sandbox):  # noqa: F811
    publish_herts(sandbox)

    profile = page("app_pages/force_profile.py", {"force": HERTS})
    text = shown(profile)
    assert "Stalking advocate posts:** 3 ISAs stated; 3.5 FTE returned" in text, "in the summary strip, once"
    assert text.count("3.5 FTE") == 1
    assert "Hertfordshire Police and Crime Commissioner" in text and f"as returned {long_date(AS_AT)}" in text
    assert "£120,000 a year" in text

    funding = page("app_pages/funding.py")
    funders = next(d.value for d in funding.dataframe if "Annual amounts shared" in d.value.columns)
    moj = funders.set_index("Funder").loc["MoJ victims grant"]
    assert moj["Annual amounts shared"] == "£120,000" and moj["Services with an amount shared"] == 1
    assert "£120,000 a year in all" in shown(funding)

    recs = page("app_pages/recommendations.py")
    metrics = {m.label: m.value for m in recs.metric}
    assert metrics["Complete"] == "1" and metrics["Not started"] == "0"
    assert metrics["Not returned"] == "42 of 43"
    table = next(d.value for d in recs.dataframe if "Status" in d.value.columns)
    assert list(table["Status"]) == ["complete"] and "two more advocates" in table["Outcome"].iloc[0]
    # Choosing Wales: no Welsh office has returned, so nothing is counted but "not returned".
    wales = page("app_pages/recommendations.py", {"region": "Wales"})
    metrics = {m.label: m.value for m in wales.metric}
    assert metrics["Complete"] == "0" and metrics["Not returned"] == "4 of 4"

    regions = page("app_pages/regions.py", {"regions_view": "Force areas"})
    forces = markdown_table(regions, "Force area")
    by_name = forces.set_index("Force area")["Stalking advocate posts (FTE)"]
    assert by_name["Hertfordshire"] == "3.5" and by_name["Essex"] == "not stated"

    cov = queries.coverage(AS_AT, db=queries.Database(sandbox.database))
    hover = coverage_map(cov, "isac").data[0]
    herts = next(row for row in hover.customdata if row[0] == "Hertfordshire")
    assert "Stalking advocate posts (FTE): 3.5" in herts[5]
    assert "%{customdata[5]}" in hover.hovertemplate


def test_the_pack_sums_the_amounts_shared_per_funder(sandbox):  # noqa: F811
    publish_herts(sandbox)
    db = queries.Database(sandbox.database)
    pack = briefing.build_pack(resolve_scope(force="Hertfordshire", db=db), AS_AT, db=db, images_wanted=False)
    files = zipfile.ZipFile(io.BytesIO(pack.data))
    funders = files.read("data/funders.csv").decode("utf-8-sig")
    assert "MoJ victims grant" in funders and "£120,000" in funders
    services = files.read("data/funded-services.csv").decode("utf-8-sig")
    assert "£120,000 a year" in services
    forces = files.read("data/force-areas.csv").decode("utf-8-sig")
    assert "Stalking advocate posts (FTE)" in forces and "3.5" in forces
    docx = next(n for n in files.namelist() if n.endswith("-annex.docx"))  # the tables are in the annex
    text = "\n".join(p.text for p in Document(io.BytesIO(files.read(docx))).paragraphs)
    assert "Funded services by funder" in text and "the others are not estimated" in text
    cells = [c.text for t in Document(io.BytesIO(files.read(docx))).tables for row in t.rows for c in row.cells]
    assert "£120,000" in cells


def test_the_profile_says_what_a_return_says_about_each_recommendation(sandbox):  # noqa: F811
    publish_herts(sandbox)
    text = shown(page("app_pages/force_profile.py", {"force": HERTS}))
    assert "Recommendation 15:** complete, completed 30 June 2026. Review published; two more advocates" in text
    assert "Recommendation 16:** in progress" in text
    assert "isa_fte" not in text and "3.5 FTE returned" in text
