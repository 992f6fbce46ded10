"""providers

Revision ID: de877f12c66c
Revises: 4566ee3c86eb
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import allaboutme.db


revision = "de877f12c66c"
down_revision = "4566ee3c86eb"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provider_profiles",
        sa.Column("org_id", sa.String(length=32), nullable=False),
        sa.Column("ofsted_urn", sa.String(length=16), nullable=False),
        sa.Column("ofsted_rating", sa.String(length=24), nullable=False),
        sa.Column("lots", sa.JSON(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.Column("capabilities", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("faiths", sa.JSON(), nullable=False),
        sa.Column("cultural_competences", sa.JSON(), nullable=False),
        sa.Column("vacancies", sa.Integer(), nullable=False),
        sa.Column("vacancies_updated_at", allaboutme.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_on_framework", sa.Boolean(), nullable=False),
        sa.Column("updated_at", allaboutme.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "ofsted_rating IN ('outstanding', 'good', 'requires_improvement', 'inadequate')",
            name=op.f("ck_provider_profiles_ofsted_rating"),
        ),
        sa.CheckConstraint("lat >= -90 AND lat <= 90", name=op.f("ck_provider_profiles_lat")),
        sa.CheckConstraint("lon >= -180 AND lon <= 180", name=op.f("ck_provider_profiles_lon")),
        sa.CheckConstraint("vacancies >= 0", name=op.f("ck_provider_profiles_vacancies")),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_provider_profiles_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_provider_profiles")),
        sa.UniqueConstraint("ofsted_urn", name=op.f("uq_provider_profiles_ofsted_urn")),
    )


def downgrade() -> None:
    op.drop_table("provider_profiles")
