"""meetings: registration and needs, agenda, presence, speakers' lists, room votes, minutes

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('calendar_feed',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_calendar_feed_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_calendar_feed')),
    sa.UniqueConstraint('token', name=op.f('uq_calendar_feed_token'))
    )
    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chapter_id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=True),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('venue', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('step_free', sa.Boolean(), nullable=False),
    sa.Column('accessible_toilet', sa.Boolean(), nullable=False),
    sa.Column('hearing_loop', sa.Boolean(), nullable=False),
    sa.Column('quiet_room', sa.Boolean(), nullable=False),
    sa.Column('childcare', sa.Boolean(), nullable=False),
    sa.Column('childcare_ages', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('interpreters', sa.Boolean(), nullable=False),
    sa.Column('video_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('capacity_hall', sa.Integer(), nullable=True),
    sa.Column('capacity_online', sa.Integer(), nullable=True),
    sa.Column('registration_deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('postponed', sa.Boolean(), nullable=False),
    sa.Column('speaker_rule', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('current_item_id', sa.Integer(), nullable=True),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('needs_forgotten_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('minutes_published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('minutes_published_by', sa.Integer(), nullable=True),
    sa.Column('minutes_thread_id', sa.Integer(), nullable=True),
    sa.Column('attended_hall', sa.Integer(), nullable=True),
    sa.Column('attended_online', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], name=op.f('fk_meeting_body_id_body')),
    sa.ForeignKeyConstraint(['chapter_id'], ['chapter.id'], name=op.f('fk_meeting_chapter_id_chapter')),
    sa.ForeignKeyConstraint(['created_by'], ['member.id'], name=op.f('fk_meeting_created_by_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['minutes_published_by'], ['member.id'], name=op.f('fk_meeting_minutes_published_by_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['minutes_thread_id'], ['thread.id'], name=op.f('fk_meeting_minutes_thread_id_thread')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting'))
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_chapter_id'), ['chapter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_status'), ['status'], unique=False)

    op.create_table('agenda_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('planned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('minutes_planned', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=True),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('vote_id', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('speakers_closed', sa.Boolean(), nullable=False),
    sa.Column('opened_for', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['consultation.id'], name=op.f('fk_agenda_item_call_id_consultation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_agenda_item_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['motion_id'], ['motion.id'], name=op.f('fk_agenda_item_motion_id_motion'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['vote_id'], ['vote.id'], name=op.f('fk_agenda_item_vote_id_vote'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_item'))
    )
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_item_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('announcement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['member.id'], name=op.f('fk_announcement_created_by_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_announcement_meeting_id_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement'))
    )
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcement_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('hall_count',
    sa.Column('vote_id', sa.Integer(), nullable=False),
    sa.Column('option_id', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['option_id'], ['vote_option.id'], name=op.f('fk_hall_count_option_id_vote_option'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vote_id'], ['vote.id'], name=op.f('fk_hall_count_vote_id_vote'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('vote_id', 'option_id', name=op.f('pk_hall_count'))
    )
    op.create_table('meeting_presence',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('left', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_presence_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_meeting_presence_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', 'member_id', name=op.f('pk_meeting_presence'))
    )
    op.create_table('meeting_role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_role_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_meeting_role_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_role')),
    sa.UniqueConstraint('meeting_id', 'member_id', 'role', name=op.f('uq_meeting_role_meeting_id_member_id_role'))
    )
    with op.batch_alter_table('meeting_role', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_role_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_role_member_id'), ['member_id'], unique=False)

    op.create_table('registration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('offered_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('check_in_code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reminded', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_registration_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_registration_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration')),
    sa.UniqueConstraint('check_in_code', name=op.f('uq_registration_check_in_code')),
    sa.UniqueConstraint('meeting_id', 'member_id', name=op.f('uq_registration_meeting_id_member_id'))
    )
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_member_id'), ['member_id'], unique=False)

    op.create_table('room_vote',
    sa.Column('vote_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('hall_analog', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_room_vote_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vote_id'], ['vote.id'], name=op.f('fk_room_vote_vote_id_vote'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('vote_id', name=op.f('pk_room_vote'))
    )
    with op.batch_alter_table('room_vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_room_vote_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('registration_needs',
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('children', sa.Integer(), nullable=False),
    sa.Column('children_ages', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('accessibility', sa.Text(), nullable=False),
    sa.Column('interpretation', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_registration_needs_registration_id_registration'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('registration_id', name=op.f('pk_registration_needs'))
    )
    op.create_table('speaker_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('stance', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('called_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stopped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('override', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('speaking_seconds', sa.Integer(), nullable=True),
    sa.Column('entered_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['entered_by'], ['member.id'], name=op.f('fk_speaker_request_entered_by_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['agenda_item.id'], name=op.f('fk_speaker_request_item_id_agenda_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_speaker_request_member_id_member'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_speaker_request'))
    )
    with op.batch_alter_table('speaker_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_speaker_request_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_speaker_request_status'), ['status'], unique=False)

    with op.batch_alter_table('thread', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('thread', schema=None) as batch_op:
        batch_op.drop_column('closes_at')

    with op.batch_alter_table('speaker_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_speaker_request_status'))
        batch_op.drop_index(batch_op.f('ix_speaker_request_item_id'))

    op.drop_table('speaker_request')
    op.drop_table('registration_needs')
    with op.batch_alter_table('room_vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_room_vote_meeting_id'))

    op.drop_table('room_vote')
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_member_id'))
        batch_op.drop_index(batch_op.f('ix_registration_meeting_id'))

    op.drop_table('registration')
    with op.batch_alter_table('meeting_role', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_role_member_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_role_meeting_id'))

    op.drop_table('meeting_role')
    op.drop_table('meeting_presence')
    op.drop_table('hall_count')
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcement_meeting_id'))

    op.drop_table('announcement')
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_item_meeting_id'))

    op.drop_table('agenda_item')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_status'))
        batch_op.drop_index(batch_op.f('ix_meeting_starts_at'))
        batch_op.drop_index(batch_op.f('ix_meeting_chapter_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_body_id'))

    op.drop_table('meeting')
    op.drop_table('calendar_feed')
