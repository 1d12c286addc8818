"""series: a series of meetings with one question, its sources, proposals, synthesis, evaluation by groups of voters, the fate of its demands, and the sessions' questionnaires

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 20:22:50.910976
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chapter_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("max_proposals", sa.Integer(), nullable=False),
        sa.Column("with_costs", sa.Boolean(), nullable=False),
        sa.Column("collecting_ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("synthesis_ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("evaluation_ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision_ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.Column("motion_id", sa.Integer(), nullable=True),
        sa.Column("vote_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["chapter_id"], ["chapter.id"], name=op.f("fk_series_chapter_id_chapter")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["member.id"],
            name=op.f("fk_series_created_by_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["motion_id"],
            ["motion.id"],
            name=op.f("fk_series_motion_id_motion"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["thread.id"], name=op.f("fk_series_thread_id_thread")
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"], ["vote.id"], name=op.f("fk_series_vote_id_vote"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series")),
    )
    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_series_chapter_id"), ["chapter_id"], unique=False)

    op.create_table(
        "demand",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("variant_of", sa.Integer(), nullable=True),
        sa.Column("option_id", sa.Integer(), nullable=True),
        sa.Column("fate", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("fate_reason", sa.Text(), nullable=False),
        sa.Column("fate_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["member.id"],
            name=op.f("fk_demand_created_by_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["vote_option.id"],
            name=op.f("fk_demand_option_id_vote_option"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["series_id"], ["series.id"], name=op.f("fk_demand_series_id_series")
        ),
        sa.ForeignKeyConstraint(
            ["variant_of"], ["demand.id"], name=op.f("fk_demand_variant_of_demand")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand")),
    )
    with op.batch_alter_table("demand", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_demand_series_id"), ["series_id"], unique=False)

    op.create_table(
        "evaluation_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("dimension", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("voters", sa.Integer(), nullable=False),
        sa.Column("top3", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"], ["series.id"], name=op.f("fk_evaluation_group_series_id_series")
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"],
            ["vote.id"],
            name=op.f("fk_evaluation_group_vote_id_vote"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_group")),
        sa.UniqueConstraint(
            "vote_id", "dimension", "key", name=op.f("uq_evaluation_group_vote_id_dimension_key")
        ),
    )
    with op.batch_alter_table("evaluation_group", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_group_series_id"), ["series_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_evaluation_group_vote_id"), ["vote_id"], unique=False)

    op.create_table(
        "rejected_suggestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"], ["series.id"], name=op.f("fk_rejected_suggestion_series_id_series")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rejected_suggestion")),
        sa.UniqueConstraint("series_id", "key", name=op.f("uq_rejected_suggestion_series_id_key")),
    )
    with op.batch_alter_table("rejected_suggestion", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rejected_suggestion_series_id"), ["series_id"], unique=False
        )

    op.create_table(
        "series_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_series_role_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
            name=op.f("fk_series_role_series_id_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series_role")),
        sa.UniqueConstraint(
            "series_id", "member_id", "role", name=op.f("uq_series_role_series_id_member_id_role")
        ),
    )
    with op.batch_alter_table("series_role", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_series_role_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_series_role_series_id"), ["series_id"], unique=False)

    op.create_table(
        "series_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("chapter_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("weight_kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("hall_count", sa.Integer(), nullable=True),
        sa.Column("online_count", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("feedback_closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("feedback_counted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["chapter_id"], ["chapter.id"], name=op.f("fk_series_source_chapter_id_chapter")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meeting.id"], name=op.f("fk_series_source_meeting_id_meeting")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["member.id"],
            name=op.f("fk_series_source_recorded_by_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["series_id"], ["series.id"], name=op.f("fk_series_source_series_id_series")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series_source")),
        sa.UniqueConstraint(
            "series_id", "meeting_id", name=op.f("uq_series_source_series_id_meeting_id")
        ),
    )
    with op.batch_alter_table("series_source", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_series_source_series_id"), ["series_id"], unique=False)

    op.create_table(
        "feedback_answer",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=True),
        sa.Column("follow", sa.Integer(), nullable=True),
        sa.Column("speak", sa.Integer(), nullable=True),
        sa.Column("childcare", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("accessibility", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("time_ok", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["series_source.id"],
            name=op.f("fk_feedback_answer_source_id_series_source"),
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_feedback_answer")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("feedback_answer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_answer_source_id"), ["source_id"], unique=False
        )

    op.create_table(
        "feedback_given",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_feedback_given_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["series_source.id"],
            name=op.f("fk_feedback_given_source_id_series_source"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_given")),
        sa.UniqueConstraint(
            "source_id", "member_id", name=op.f("uq_feedback_given_source_id_member_id")
        ),
    )
    with op.batch_alter_table("feedback_given", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_given_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_feedback_given_source_id"), ["source_id"], unique=False
        )

    op.create_table(
        "proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("origin_chapter_id", sa.Integer(), nullable=False),
        sa.Column("origin_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("cost", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=True),
        sa.Column("support_count", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("entered_by", sa.Integer(), nullable=True),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entered_by"],
            ["member.id"],
            name=op.f("fk_proposal_entered_by_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_proposal_member_id_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["origin_chapter_id"],
            ["chapter.id"],
            name=op.f("fk_proposal_origin_chapter_id_chapter"),
        ),
        sa.ForeignKeyConstraint(
            ["series_id"], ["series.id"], name=op.f("fk_proposal_series_id_series")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["series_source.id"], name=op.f("fk_proposal_source_id_series_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal")),
        sa.UniqueConstraint(
            "entered_by", "idempotency_key", name=op.f("uq_proposal_entered_by_idempotency_key")
        ),
    )
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_series_id"), ["series_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposal_source_id"), ["source_id"], unique=False)

    op.create_table(
        "synthesis_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("demand_id", sa.Integer(), nullable=True),
        sa.Column("proposals", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["member.id"],
            name=op.f("fk_synthesis_step_actor_id_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["demand_id"],
            ["demand.id"],
            name=op.f("fk_synthesis_step_demand_id_demand"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["series_id"], ["series.id"], name=op.f("fk_synthesis_step_series_id_series")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_synthesis_step")),
    )
    with op.batch_alter_table("synthesis_step", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_synthesis_step_series_id"), ["series_id"], unique=False
        )

    op.create_table(
        "demand_origin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("demand_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("part", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["demand_id"],
            ["demand.id"],
            name=op.f("fk_demand_origin_demand_id_demand"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposal.id"],
            name=op.f("fk_demand_origin_proposal_id_proposal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand_origin")),
        sa.UniqueConstraint(
            "demand_id", "proposal_id", name=op.f("uq_demand_origin_demand_id_proposal_id")
        ),
    )
    with op.batch_alter_table("demand_origin", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_demand_origin_demand_id"), ["demand_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_demand_origin_proposal_id"), ["proposal_id"], unique=False
        )

    op.create_table(
        "proposal_support",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_proposal_support_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposal.id"],
            name=op.f("fk_proposal_support_proposal_id_proposal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_support")),
        sa.UniqueConstraint(
            "proposal_id", "member_id", name=op.f("uq_proposal_support_proposal_id_member_id")
        ),
    )
    with op.batch_alter_table("proposal_support", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_proposal_support_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_proposal_support_proposal_id"), ["proposal_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("proposal_support", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_support_proposal_id"))
        batch_op.drop_index(batch_op.f("ix_proposal_support_member_id"))

    op.drop_table("proposal_support")
    with op.batch_alter_table("demand_origin", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_demand_origin_proposal_id"))
        batch_op.drop_index(batch_op.f("ix_demand_origin_demand_id"))

    op.drop_table("demand_origin")
    with op.batch_alter_table("synthesis_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_synthesis_step_series_id"))

    op.drop_table("synthesis_step")
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_source_id"))
        batch_op.drop_index(batch_op.f("ix_proposal_series_id"))

    op.drop_table("proposal")
    with op.batch_alter_table("feedback_given", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_given_source_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_given_member_id"))

    op.drop_table("feedback_given")
    with op.batch_alter_table("feedback_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_answer_source_id"))

    op.drop_table("feedback_answer")
    with op.batch_alter_table("series_source", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_series_source_series_id"))

    op.drop_table("series_source")
    with op.batch_alter_table("series_role", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_series_role_series_id"))
        batch_op.drop_index(batch_op.f("ix_series_role_member_id"))

    op.drop_table("series_role")
    with op.batch_alter_table("rejected_suggestion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rejected_suggestion_series_id"))

    op.drop_table("rejected_suggestion")
    with op.batch_alter_table("evaluation_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_group_vote_id"))
        batch_op.drop_index(batch_op.f("ix_evaluation_group_series_id"))

    op.drop_table("evaluation_group")
    with op.batch_alter_table("demand", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_demand_series_id"))

    op.drop_table("demand")
    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_series_chapter_id"))

    op.drop_table("series")
