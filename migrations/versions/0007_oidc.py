"""oidc: one spelling of each issuer (without a trailing slash)

Plenum now reads ``PLENUM_OIDC_ISSUER`` without its trailing slash, so members that a
login stored under ``https://idp.example/`` are moved to ``https://idp.example``, where
their next login finds them. Where both spellings hold the same subject (the second
copy the trailing slash used to make), both rows stay as they are: which one holds the
member's work is for the operator to decide (docs/operators.md, "Identity provider").

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE member SET issuer = rtrim(issuer, '/') "
            "WHERE issuer LIKE '%/' AND NOT EXISTS ("
            "  SELECT 1 FROM member AS other"
            "  WHERE other.issuer = rtrim(member.issuer, '/') AND other.subject = member.subject"
            ")"
        )
    )


def downgrade() -> None:
    pass  # the spelling without the slash is the same issuer; nothing to undo
