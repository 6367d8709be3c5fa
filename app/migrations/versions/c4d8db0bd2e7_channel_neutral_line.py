"""channel-neutral line: entries carry their channel, a call is optional; the wait loop's state moves to calls

The queue entry's Twilio queue SID and wait rounds belong to the call now, and the provider's error text
(which may repeat a caller's number) gives way to a message key of our own and the provider's error code.

Revision ID: c4d8db0bd2e7
Revises: f6169cb2f3cb
Create Date: 2026-12-05 08:32:33.513702
"""

import sqlalchemy as sa
from alembic import op

revision = 'c4d8db0bd2e7'
down_revision = 'f6169cb2f3cb'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('queue_sid', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('wait_rounds', sa.Integer(), nullable=False, server_default='0'))
    op.execute("UPDATE calls SET queue_sid = (SELECT q.queue_sid FROM queue_entries q WHERE q.call_id = calls.id), "
               "wait_rounds = COALESCE((SELECT q.wait_rounds FROM queue_entries q WHERE q.call_id = calls.id), 0)")

    with op.batch_alter_table('queue_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.Enum('phone', 'web', name='channel', native_enum=False, length=16),
                                      nullable=False, server_default='phone'))
        batch_op.add_column(sa.Column('error_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('error_code', sa.Integer(), nullable=True))
        batch_op.alter_column('call_id', existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(batch_op.f('ix_queue_entries_channel'), ['channel'], unique=False)
        batch_op.drop_column('wait_rounds')
        batch_op.drop_column('queue_sid')
        batch_op.drop_column('twilio_error')  # Twilio's words, which may hold a caller's number: not kept


def downgrade() -> None:
    with op.batch_alter_table('queue_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('twilio_error', sa.TEXT(), nullable=True))
        batch_op.add_column(sa.Column('queue_sid', sa.VARCHAR(length=64), nullable=True))
        batch_op.add_column(sa.Column('wait_rounds', sa.INTEGER(), server_default=sa.text("'0'"), nullable=False))
    op.execute("DELETE FROM queue_entries WHERE call_id IS NULL")  # the old schema has no place for web contacts
    op.execute("UPDATE queue_entries SET queue_sid = (SELECT c.queue_sid FROM calls c WHERE c.id = queue_entries.call_id), "
               "wait_rounds = (SELECT c.wait_rounds FROM calls c WHERE c.id = queue_entries.call_id)")
    with op.batch_alter_table('queue_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_entries_channel'))
        batch_op.alter_column('call_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column('error_code')
        batch_op.drop_column('error_key')
        batch_op.drop_column('channel')

    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('wait_rounds')
        batch_op.drop_column('queue_sid')
