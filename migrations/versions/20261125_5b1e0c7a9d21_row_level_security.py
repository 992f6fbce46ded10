"""row level security (PostgreSQL)

Revision ID: 5b1e0c7a9d21
Revises: 999b87fba73c
Create Date: 2026-11-25

Tenant isolation in the database itself: a connection scoped to one local
authority (``allaboutme.tenant`` set to its id, as the app does for children,
social workers and authority administrators) sees and writes only that
authority's rows of every table holding child data, whatever the query says.
``*`` (providers, the framework, the service itself) is limited by the app's own
checks instead; a connection that set nothing sees nothing. Policies are forced
on the tables' owner too; only a superuser or a BYPASSRLS role is exempt, so the
service must not connect as one. SQLite has no row-level security: a no-op there.
"""

from __future__ import annotations

from alembic import op

revision = "5b1e0c7a9d21"
down_revision = "999b87fba73c"
branch_labels = None
depends_on = None

MAY_SEE = "allaboutme_may_see"
# table -> the condition a row must meet to be seen or written in the current tenant
POLICIES = {
    "children": f"{MAY_SEE}(authority_id)",
    "invitations": f"{MAY_SEE}(authority_id)",
    "referrals": f"{MAY_SEE}(authority_id)",
    "packets": f"{MAY_SEE}(authority_id)",
    "audit_events": f"{MAY_SEE}(chain)",
    "audit_heads": f"{MAY_SEE}(chain)",
    "audit_checkpoints": f"{MAY_SEE}(chain)",
    "allocations": "child_id IN (SELECT id FROM children)",
    "profiles": "child_id IN (SELECT id FROM children)",
    "profile_sections": "child_id IN (SELECT id FROM children)",
    "media_items": "child_id IN (SELECT id FROM children)",
    "consent_grants": "child_id IN (SELECT id FROM children)",
    "referral_candidates": "referral_id IN (SELECT id FROM referrals)",
    "home_profiles": "packet_id IN (SELECT id FROM packets)",
    "home_photos": "packet_id IN (SELECT id FROM packets)",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE FUNCTION {MAY_SEE}(authority text) RETURNS boolean
        LANGUAGE sql STABLE AS $$
            SELECT coalesce(current_setting('allaboutme.tenant', true), '') IN ('*', authority)
        $$
        """
    )
    for table, condition in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} "
            f"USING ({condition}) WITH CHECK ({condition})"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in POLICIES:
        op.execute(f"DROP POLICY tenant_isolation ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute(f"DROP FUNCTION {MAY_SEE}(text)")
