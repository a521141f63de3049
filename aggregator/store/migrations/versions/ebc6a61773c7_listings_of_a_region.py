"""listings of a region

Revision ID: ebc6a61773c7
Revises: be2574f98c6b
Create Date: 2026-12-03 08:48:39.263143
"""

import sqlalchemy as sa
from alembic import op

revision = "ebc6a61773c7"
down_revision = "be2574f98c6b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("apprenticeships", "events"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column(
                    "region",
                    sa.String(length=100),
                    server_default="landkreis-heidenheim",
                    nullable=False,
                )
            )


def downgrade() -> None:
    for table in ("events", "apprenticeships"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("region")
