"""callbacks and wait rounds

Revision ID: 3f848cfac9ae
Revises: 3524bc392264
Create Date: 2026-11-28 05:39:17.861758
"""

import sqlalchemy as sa
from alembic import op

import app.db

revision = '3f848cfac9ae'
down_revision = '3524bc392264'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('callback_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('caller_hash', sa.String(length=64), nullable=False),
    sa.Column('number_ciphertext', sa.Text(), nullable=True),
    sa.Column('state', sa.Enum('pending', 'calling', 'done', 'expired', name='callbackstate', native_enum=False, length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('requested_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['queue_entries.id'], name=op.f('fk_callback_requests_entry_id_queue_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callback_requests')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_callback_requests_entry_id'))
    )
    with op.batch_alter_table('callback_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_callback_requests_caller_hash'), ['caller_hash'], unique=False)

    with op.batch_alter_table('queue_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wait_rounds', sa.Integer(), nullable=False, server_default='0'))



def downgrade() -> None:
    with op.batch_alter_table('queue_entries', schema=None) as batch_op:
        batch_op.drop_column('wait_rounds')

    with op.batch_alter_table('callback_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callback_requests_caller_hash'))

    op.drop_table('callback_requests')
