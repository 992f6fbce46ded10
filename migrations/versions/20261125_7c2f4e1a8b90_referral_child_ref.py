"""referral child_ref

Revision ID: 7c2f4e1a8b90
Revises: 5b1e0c7a9d21
Create Date: 2026-11-25

A referral keeps its child's id as plain text, as packets do: erasing the child
empties ``child_id``, and the case records sealed for that child still need it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "7c2f4e1a8b90"
down_revision = "5b1e0c7a9d21"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("child_ref", sa.String(length=32), nullable=True))
    op.execute(
        "UPDATE referrals SET child_ref = COALESCE(child_id, (SELECT p.child_ref FROM packets p"
        " WHERE p.referral_id = referrals.id LIMIT 1), id)"
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.alter_column("child_ref", existing_type=sa.String(length=32), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_column("child_ref")
