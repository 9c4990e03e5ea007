"""The first schema: accounts, tokens, deals, reports, samples, labels, webhook events.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("crm", sa.String(16), nullable=False),
        sa.Column("created_at", TZ, nullable=False))
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("account", sa.String(128), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(128)),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ))
    op.create_index("ix_tokens_account", "tokens", ["account"])
    op.create_table(
        "deals",
        sa.Column("account", sa.String(128), primary_key=True),
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("manager_id", sa.String(128)),
        sa.Column("team", sa.String(256)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TZ),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("body", sa.JSON, nullable=False))
    op.create_index("ix_deals_manager_id", "deals", ["manager_id"])
    op.create_index("ix_deals_created_at", "deals", ["created_at"])
    op.create_table(
        "reports",
        sa.Column("account", sa.String(128), primary_key=True),
        sa.Column("deal_id", sa.String(128), primary_key=True),
        sa.Column("risk", sa.Float, nullable=False),
        sa.Column("report", sa.JSON, nullable=False),
        sa.Column("models", sa.JSON, nullable=False),
        sa.Column("scored_at", TZ, nullable=False))
    op.create_table(
        "samples",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("account", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("seed", sa.Integer, nullable=False),
        sa.Column("summary", sa.JSON, nullable=False),
        sa.Column("created_at", TZ, nullable=False))
    op.create_index("ix_samples_account", "samples", ["account"])
    op.create_table(
        "sample_items",
        sa.Column("sample_id", sa.Integer, sa.ForeignKey("samples.id"), primary_key=True),
        sa.Column("deal_id", sa.String(128), primary_key=True),
        sa.Column("inclusion_probability", sa.Float, nullable=False),
        sa.Column("risk", sa.Float, nullable=False),
        sa.Column("reason", sa.String(512), nullable=False))
    op.create_table(
        "labels",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("account", sa.String(128), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("deal_id", sa.String(128), nullable=False),
        sa.Column("target", sa.String(16), nullable=False),
        sa.Column("code", sa.String(128)),
        sa.Column("entity_id", sa.String(128)),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("value", sa.JSON),
        sa.Column("auditor", sa.String(128)),
        sa.Column("inclusion_probability", sa.Float),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("account", "key", name="uq_labels_account_key"))
    op.create_index("ix_labels_account", "labels", ["account"])
    op.create_index("ix_labels_deal_id", "labels", ["deal_id"])
    op.create_table(
        "webhook_events",
        sa.Column("account", sa.String(128), primary_key=True),
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("received_at", TZ, nullable=False))


def downgrade() -> None:
    for table in ("webhook_events", "labels", "sample_items", "samples", "reports", "deals",
                  "tokens", "accounts"):
        op.drop_table(table)
