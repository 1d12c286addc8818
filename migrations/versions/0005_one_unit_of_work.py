"""one unit of work: forms that create motions and amendments carry a one-time key

The same form sent twice (a double click, twenty requests at once, the browser's
history) saves one motion or amendment: the key is unique per member.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("motion", "amendment")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column(
                    "idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True
                )
            )
            batch_op.create_unique_constraint(
                batch_op.f(f"uq_{table}_created_by_idempotency_key"),
                ["created_by", "idempotency_key"],
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(
                batch_op.f(f"uq_{table}_created_by_idempotency_key"), type_="unique"
            )
            batch_op.drop_column("idempotency_key")
