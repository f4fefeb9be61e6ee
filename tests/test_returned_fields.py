"""The fields only returns carry reach the published position (issue 17): the advocates' FTE,
the annual amount of a funded service (summed per funder, never estimated for those not
shared), each recommendation's status (forces that have not returned one counted apart) and
the commissioning body with its date."""

from __future__ import annotations

import datetime as dt

from core import queries, rules
from returns import rounds
from tests.workflow_fixtures import HERTS, HERTS_OFFICE, REVIEWER_ACTOR, open_round, sandbox  # noqa: F401

STREAM = "herts-moj-stalking-service"
AS_AT = dt.date(2026, 11, 30)


def publish_herts(box) -> None:
    round_ = open_round(box, [HERTS])
    answers, _ = rounds.prefilled(round_, HERTS)
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
            row.update(end_date="2027-03-31", status="secure", amount="120000")
    sub = rounds.submit(HERTS_OFFICE, round_.round_id, HERTS, answers=answers)
    rounds.accept(REVIEWER_ACTOR, sub.submission_id)


def test_fte_body_amounts_and_recommendations_are_published_from_a_return(sandbox):  # noqa: F811
    db = queries.Database(sandbox.database)
    before = queries.coverage(AS_AT, db=db).set_index("pfa_code").loc[HERTS]
    assert before["isa_fte"] != before["isa_fte"]  # NaN: the source gave no FTE
    assert queries.funding_by_funder(AS_AT, db=db)["amount_shared"].isna().all()
    assert set(queries.recommendation_status(AS_AT, db=db)["status"]) == {rules.NOT_RETURNED}

    publish_herts(sandbox)
    db = queries.Database(sandbox.database)
    herts = queries.coverage(AS_AT, db=db).set_index("pfa_code").loc[HERTS]
    assert herts["isa_fte"] == 3.5
    assert herts["body_returned"] == "Hertfordshire Police and Crime Commissioner"
    assert herts["body_reported_on"].date() == AS_AT

    funders = queries.funding_by_funder(AS_AT, db=db).set_index("funder")
    assert funders.loc["MoJ victims grant", "amount_shared"] == 120000
    assert funders.loc["MoJ victims grant", "services_with_amount"] == 1
    # Regions filter the sum: nothing shared in Wales.
    assert queries.funding_by_funder(AS_AT, ["Wales"], db=db)["amount_shared"].isna().all()

    recs = queries.recommendation_status(AS_AT, db=db)
    assert len(recs) == 43 * len(rules.RECOMMENDATIONS)
    mine = recs[recs["pfa_code"] == HERTS].set_index("recommendation")
    assert mine.loc["15", "status"] == "complete" and mine.loc["15", "completed_on"] == "2026-06-30"
    assert mine.loc["16", "status"] == "in progress"
    assert mine.loc["25", "status"] == rules.NOT_RETURNED
    assert (recs[recs["pfa_code"] != HERTS]["status"] == rules.NOT_RETURNED).all()
    # Before the return's as-at date, nothing had been returned.
    assert set(queries.recommendation_status(AS_AT - dt.timedelta(days=1), db=db)["status"]) == {rules.NOT_RETURNED}
