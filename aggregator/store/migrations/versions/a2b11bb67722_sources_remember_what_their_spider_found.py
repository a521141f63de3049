"""sources remember what their spider found

Revision ID: a2b11bb67722
Revises: ebc6a61773c7
Create Date: 2026-12-03 08:30:27.435530
"""

import sqlalchemy as sa
from alembic import op

revision = "a2b11bb67722"
down_revision = "ebc6a61773c7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("crawl_memory", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_column("crawl_memory")
