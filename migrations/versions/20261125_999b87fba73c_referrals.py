"""referrals

Revision ID: 999b87fba73c
Revises: de877f12c66c
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import allaboutme.db


revision = "999b87fba73c"
down_revision = "de877f12c66c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "referrals",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("child_id", sa.String(length=32), nullable=True),
        sa.Column("authority_id", sa.String(length=32), nullable=False),
        sa.Column("created_by_id", sa.String(length=32), nullable=True),
        sa.Column("lot", sa.String(length=2), nullable=False),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.Column("location_kind", sa.String(length=8), nullable=False),
        sa.Column("summary", sa.LargeBinary(), nullable=False),
        sa.Column("start_by", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", allaboutme.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("child_asked_at", allaboutme.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("child_answered_at", allaboutme.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", allaboutme.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", allaboutme.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('draft', 'sent', 'responses', 'closed')", name=op.f("ck_referrals_status")
        ),
        sa.ForeignKeyConstraint(
            ["authority_id"],
            ["organisations.id"],
            name=op.f("fk_referrals_authority_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["children.id"],
            name=op.f("fk_referrals_child_id_children"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_referrals_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referrals_authority_id"), ["authority_id"], unique=False
        )
        batch_op.create_index(
            "ix_referrals_child_id_created_at", ["child_id", "created_at"], unique=False
        )

    op.create_table(
        "packets",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("referral_id", sa.String(length=32), nullable=False),
        sa.Column("provider_id", sa.String(length=32), nullable=False),
        sa.Column("child_ref", sa.String(length=32), nullable=False),
        sa.Column("authority_id", sa.String(length=32), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("snapshot", sa.LargeBinary(), nullable=False),
        sa.Column("verification_id", sa.String(length=12), nullable=False),
        sa.Column("is_legal_hold", sa.Boolean(), nullable=False),
        sa.Column("sent_at", allaboutme.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", allaboutme.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("response_decision", sa.String(length=12), nullable=True),
        sa.Column("response_note", sa.LargeBinary(), nullable=True),
        sa.Column("response_version", sa.Integer(), nullable=False),
        sa.Column("responded_at", allaboutme.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("responded_by_id", sa.String(length=32), nullable=True),
        sa.CheckConstraint(
            "response_decision IS NULL OR response_decision IN ('interested', 'declined')",
            name=op.f("ck_packets_response_decision"),
        ),
        sa.ForeignKeyConstraint(
            ["authority_id"],
            ["organisations.id"],
            name=op.f("fk_packets_authority_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["organisations.id"],
            name=op.f("fk_packets_provider_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_packets_referral_id_referrals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["responded_by_id"],
            ["users.id"],
            name=op.f("fk_packets_responded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_packets")),
        sa.UniqueConstraint("verification_id", name=op.f("uq_packets_verification_id")),
    )
    with op.batch_alter_table("packets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_packets_child_ref"), ["child_ref"], unique=False)
        batch_op.create_index(
            "ix_packets_provider_id_sent_at", ["provider_id", "sent_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_packets_referral_id"), ["referral_id"], unique=False)

    op.create_table(
        "referral_candidates",
        sa.Column("referral_id", sa.String(length=32), nullable=False),
        sa.Column("provider_id", sa.String(length=32), nullable=False),
        sa.Column("added_at", allaboutme.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("added_by_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["users.id"],
            name=op.f("fk_referral_candidates_added_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["organisations.id"],
            name=op.f("fk_referral_candidates_provider_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_referral_candidates_referral_id_referrals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("referral_id", "provider_id", name=op.f("pk_referral_candidates")),
    )
    op.create_table(
        "home_photos",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("packet_id", sa.String(length=32), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("image", sa.LargeBinary(), nullable=False),
        sa.Column("thumbnail", sa.LargeBinary(), nullable=False),
        sa.Column("caption", sa.String(length=200), nullable=False),
        sa.Column("created_at", allaboutme.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["packet_id"],
            ["packets.id"],
            name=op.f("fk_home_photos_packet_id_packets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_home_photos")),
    )
    with op.batch_alter_table("home_photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_home_photos_packet_id"), ["packet_id"], unique=False)

    op.create_table(
        "home_profiles",
        sa.Column("packet_id", sa.String(length=32), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("updated_at", allaboutme.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("written_by_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["packet_id"],
            ["packets.id"],
            name=op.f("fk_home_profiles_packet_id_packets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["written_by_id"],
            ["users.id"],
            name=op.f("fk_home_profiles_written_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("packet_id", name=op.f("pk_home_profiles")),
    )


def downgrade() -> None:
    op.drop_table("home_profiles")
    with op.batch_alter_table("home_photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_home_photos_packet_id"))

    op.drop_table("home_photos")
    op.drop_table("referral_candidates")
    with op.batch_alter_table("packets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_packets_referral_id"))
        batch_op.drop_index("ix_packets_provider_id_sent_at")
        batch_op.drop_index(batch_op.f("ix_packets_child_ref"))

    op.drop_table("packets")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index("ix_referrals_child_id_created_at")
        batch_op.drop_index(batch_op.f("ix_referrals_authority_id"))

    op.drop_table("referrals")
