"""queue entries

Revision ID: fd55e689e7ab
Revises: 7d2f192d310d
Create Date: 2026-11-28 05:20:57.176720
"""

import sqlalchemy as sa
from alembic import op

import app.db

revision = 'fd55e689e7ab'
down_revision = '7d2f192d310d'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('queue_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Enum('urgent', 'child', 'standard', name='priority', native_enum=False, length=16), nullable=False),
    sa.Column('priority_rank', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('caller_hash', sa.String(length=64), nullable=True),
    sa.Column('state', sa.Enum('waiting', 'assigned', 'connected', 'abandoned', 'left', 'done', name='entrystate', native_enum=False, length=16), nullable=False),
    sa.Column('queue_sid', sa.String(length=64), nullable=True),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('twilio_error', sa.Text(), nullable=True),
    sa.Column('enqueued_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('picked_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_queue_entries_call_id_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['operator_id'], ['users.id'], name=op.f('fk_queue_entries_operator_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_entries')),
    sa.UniqueConstraint('call_id', name=op.f('uq_queue_entries_call_id'))
    )
    with op.batch_alter_table('queue_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_entries_caller_hash'), ['caller_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_entries_operator_id'), ['operator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_entries_priority_rank'), ['priority_rank'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_entries_state'), ['state'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('queue_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_entries_state'))
        batch_op.drop_index(batch_op.f('ix_queue_entries_priority_rank'))
        batch_op.drop_index(batch_op.f('ix_queue_entries_operator_id'))
        batch_op.drop_index(batch_op.f('ix_queue_entries_caller_hash'))

    op.drop_table('queue_entries')
