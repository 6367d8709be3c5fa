"""cases: the case log, its services, calls, links to earlier cases and referrals

Revision ID: 3524bc392264
Revises: 5ab4b236ed22
Create Date: 2026-11-28 05:38:25.375040
"""

import sqlalchemy as sa
from alembic import op

import app.db

revision = '3524bc392264'
down_revision = '5ab4b236ed22'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('phone', 'web', name='channel', native_enum=False, length=16), nullable=False),
    sa.Column('opened_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('queue_entry_id', sa.Integer(), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('caller_hash', sa.String(length=64), nullable=True),
    sa.Column('category', sa.String(length=32), nullable=True),
    sa.Column('sub_category', sa.String(length=32), nullable=True),
    sa.Column('contact_type', sa.Enum('substantive', 'repeat', 'silent', 'hang_up', 'prank', 'wrong_number', 'abusive', 'other', name='contacttype', native_enum=False, length=32), nullable=True),
    sa.Column('risk_level', sa.Enum('none', 'low', 'medium', 'high', 'immediate_danger', name='risklevel', native_enum=False, length=32), nullable=True),
    sa.Column('outcome', sa.Enum('resolved', 'advice_given', 'referred', 'emergency_services', 'callback_planned', 'caller_disconnected', 'caller_declined', 'no_action_needed', 'other', name='outcome', native_enum=False, length=32), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['operator_id'], ['users.id'], name=op.f('fk_cases_operator_id_users')),
    sa.ForeignKeyConstraint(['queue_entry_id'], ['queue_entries.id'], name=op.f('fk_cases_queue_entry_id_queue_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('queue_entry_id', name=op.f('uq_cases_queue_entry_id'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_caller_hash'), ['caller_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_opened_at'), ['opened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_operator_id'), ['operator_id'], unique=False)

    op.create_table('case_calls',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('linked_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_case_calls_call_id_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_calls_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'call_id', name=op.f('pk_case_calls'))
    )
    with op.batch_alter_table('case_calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_calls_call_id'), ['call_id'], unique=False)

    op.create_table('case_links',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('earlier_case_id', sa.Integer(), nullable=False),
    sa.Column('linked_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('case_id <> earlier_case_id', name=op.f('ck_case_links_not_itself')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_links_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['earlier_case_id'], ['cases.id'], name=op.f('fk_case_links_earlier_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'earlier_case_id', name=op.f('pk_case_links'))
    )
    with op.batch_alter_table('case_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_links_earlier_case_id'), ['earlier_case_id'], unique=False)

    op.create_table('case_services',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('service', sa.Enum('information', 'consultation', 'psychological_support', 'inter_agency_referral', name='service', native_enum=False, length=32), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_services_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'service', name=op.f('pk_case_services'))
    )
    with op.batch_alter_table('case_services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_services_service'), ['service'], unique=False)

    op.create_table('referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('agency', sa.Enum('police', 'guardianship', 'health', 'education', 'ngo', 'other', name='agency', native_enum=False, length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('feedback_received_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('feedback', sa.Text(), nullable=True),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_referrals_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_referrals_created_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals'))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referrals_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_due_date'), ['due_date'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referrals_due_date'))
        batch_op.drop_index(batch_op.f('ix_referrals_case_id'))

    op.drop_table('referrals')
    with op.batch_alter_table('case_services', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_services_service'))

    op.drop_table('case_services')
    with op.batch_alter_table('case_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_links_earlier_case_id'))

    op.drop_table('case_links')
    with op.batch_alter_table('case_calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_calls_call_id'))

    op.drop_table('case_calls')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_operator_id'))
        batch_op.drop_index(batch_op.f('ix_cases_opened_at'))
        batch_op.drop_index(batch_op.f('ix_cases_category'))
        batch_op.drop_index(batch_op.f('ix_cases_caller_hash'))

    op.drop_table('cases')
