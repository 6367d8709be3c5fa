"""blocked sources and chat throttles: the child's page refuses blocked sources and counts what each source does

Both keep keyed hashes only, never an address.

Revision ID: 2ec1844cea9b
Revises: 2a34d8eb3a2e
Create Date: 2026-12-05 14:08:30.968041
"""

import sqlalchemy as sa
from alembic import op

import app.db

revision = '2ec1844cea9b'
down_revision = '2a34d8eb3a2e'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('chat_throttles',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('window_start', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_chat_throttles'))
    )
    op.create_table('blocked_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_hash', sa.String(length=64), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=True),
    sa.Column('blocked_by', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['blocked_by'], ['users.id'], name=op.f('fk_blocked_sources_blocked_by_users')),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_blocked_sources_conversation_id_conversations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blocked_sources'))
    )
    with op.batch_alter_table('blocked_sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_blocked_sources_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_blocked_sources_source_hash'), ['source_hash'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('blocked_sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_blocked_sources_source_hash'))
        batch_op.drop_index(batch_op.f('ix_blocked_sources_expires_at'))

    op.drop_table('blocked_sources')
    op.drop_table('chat_throttles')
