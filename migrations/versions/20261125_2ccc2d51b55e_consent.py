"""consent

Revision ID: 2ccc2d51b55e
Revises: cb091cec63f8
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import allaboutme.db


revision = "2ccc2d51b55e"
down_revision = "cb091cec63f8"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consent_grants",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("child_id", sa.String(length=32), nullable=False),
        sa.Column("audience_kind", sa.String(length=20), nullable=False),
        sa.Column("audience_org_id", sa.String(length=32), nullable=True),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("granted_at", allaboutme.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", allaboutme.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", allaboutme.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("notice_version", sa.String(length=20), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("has_help", sa.Boolean(), nullable=False),
        sa.Column("granted_by_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["audience_org_id"],
            ["organisations.id"],
            name=op.f("fk_consent_grants_audience_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["children.id"],
            name=op.f("fk_consent_grants_child_id_children"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["granted_by_id"],
            ["users.id"],
            name=op.f("fk_consent_grants_granted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_grants")),
    )
    with op.batch_alter_table("consent_grants", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consent_grants_child_id_revoked_at", ["child_id", "revoked_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("consent_grants", schema=None) as batch_op:
        batch_op.drop_index("ix_consent_grants_child_id_revoked_at")

    op.drop_table("consent_grants")
