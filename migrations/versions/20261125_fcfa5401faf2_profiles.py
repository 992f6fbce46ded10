"""profiles

Revision ID: fcfa5401faf2
Revises: 8794249e6b01
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import allaboutme.db


revision = "fcfa5401faf2"
down_revision = "8794249e6b01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "profiles",
        sa.Column("child_id", sa.String(length=32), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("updated_at", allaboutme.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["children.id"],
            name=op.f("fk_profiles_child_id_children"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("child_id", name=op.f("pk_profiles")),
    )
    op.create_table(
        "profile_sections",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("child_id", sa.String(length=32), nullable=False),
        sa.Column("section_key", sa.String(length=32), nullable=False),
        sa.Column("profile_version", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("is_removal", sa.Boolean(), nullable=False),
        sa.Column("has_help", sa.Boolean(), nullable=False),
        sa.Column("written_by_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", allaboutme.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["children.id"],
            name=op.f("fk_profile_sections_child_id_children"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["written_by_id"],
            ["users.id"],
            name=op.f("fk_profile_sections_written_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile_sections")),
    )
    with op.batch_alter_table("profile_sections", schema=None) as batch_op:
        batch_op.create_index(
            "ix_profile_sections_child_id_profile_version",
            ["child_id", "profile_version"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("profile_sections", schema=None) as batch_op:
        batch_op.drop_index("ix_profile_sections_child_id_profile_version")

    op.drop_table("profile_sections")
    op.drop_table("profiles")
