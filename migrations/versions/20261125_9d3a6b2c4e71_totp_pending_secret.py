"""totp pending secret

Revision ID: 9d3a6b2c4e71
Revises: 7c2f4e1a8b90
Create Date: 2026-11-25

A professional who sets up a new authenticator app keeps the old one until the
new one has given a right code: the new secret waits in its own column, so the
account never falls back to a password alone in between.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "9d3a6b2c4e71"
down_revision = "7c2f4e1a8b90"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_pending_secret", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_pending_secret")
