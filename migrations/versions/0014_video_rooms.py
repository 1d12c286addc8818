"""video rooms

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 01:58:21.297822
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "video_handle",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.Column("plugin", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_video_handle")),
    )
    with op.batch_alter_table("video_handle", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_video_handle_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "video_room",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("secret", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("prepared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pinned_member_id", sa.Integer(), nullable=True),
        sa.Column("recording_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("open_to_audience", sa.Boolean(), nullable=False),
        sa.Column("captions_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_video_room_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pinned_member_id"],
            ["member.id"],
            name=op.f("fk_video_room_pinned_member_id_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_video_room")),
    )
    op.create_table(
        "video_session",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("tab", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_video_session_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_video_session_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_video_session")),
    )
    with op.batch_alter_table("video_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_video_session_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_video_session_member_id"), ["member_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("video_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_video_session_member_id"))
        batch_op.drop_index(batch_op.f("ix_video_session_meeting_id"))

    op.drop_table("video_session")
    op.drop_table("video_room")
    with op.batch_alter_table("video_handle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_video_handle_session_id"))

    op.drop_table("video_handle")
