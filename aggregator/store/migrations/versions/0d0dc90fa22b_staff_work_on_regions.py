"""staff work on regions

Revision ID: 0d0dc90fa22b
Revises: 24ac8d0947c1
Create Date: 2026-12-03 09:32:01.124189
"""

import sqlalchemy as sa
from alembic import op

revision = "0d0dc90fa22b"
down_revision = "24ac8d0947c1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("regions", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.drop_column("regions")
