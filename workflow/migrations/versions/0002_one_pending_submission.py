"""one pending submission per force and round: a unique index on the submissions waiting for review
or being accepted, so racing processes cannot leave two (issue 28, item 5)

Revision ID: 0002_one_pending
Revises: 0001
Create Date: 2026-12-02 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_one_pending"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("state IN ('submitted', 'accepting')")


def upgrade() -> None:
    # Races before this index could leave several submissions of a force waiting at once: keep the
    # latest waiting, as a later submission supersedes an earlier one.
    op.execute(
        "UPDATE submissions SET state = 'superseded' WHERE state = 'submitted' AND submission_id NOT IN "
        "(SELECT max(submission_id) FROM submissions WHERE state = 'submitted' GROUP BY round_id, pfa_code)"
    )
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.create_index(
            "uq_submissions_pending",
            ["round_id", "pfa_code"],
            unique=True,
            sqlite_where=PENDING,
            postgresql_where=PENDING,
        )


def downgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index("uq_submissions_pending")
