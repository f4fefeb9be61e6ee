"""the audit log records the address a request came from, and is indexed for the refusal limiter

The limiter (workflow.guard) counts each identity's refusals, and an unlisted identity's address's,
over the last minute: one office's refusals never lock another out.

Revision ID: 0003
Revises: 0002_one_pending
Create Date: 2026-12-06 22:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002_one_pending"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_audit_log_actor_at", ["actor", "at"], unique=False)
        batch_op.create_index("ix_audit_log_address_at", ["address", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_address_at")
        batch_op.drop_index("ix_audit_log_actor_at")
        batch_op.drop_column("address")
