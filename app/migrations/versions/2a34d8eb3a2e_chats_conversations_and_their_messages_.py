"""chats: conversations and their messages in the same line and cases as calls

A queue entry is now a call or a chat (checked), with the place and region of a chat's QR poster.

Revision ID: 2a34d8eb3a2e
Revises: c4d8db0bd2e7
Create Date: 2026-12-05 08:54:20.498935
"""

import sqlalchemy as sa
from alembic import op

import app.db

revision = '2a34d8eb3a2e'
down_revision = 'c4d8db0bd2e7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('priority', sa.Enum('urgent', 'child', 'standard', name='priority', native_enum=False, length=16), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=True),
    sa.Column('region', sa.String(length=100), nullable=True),
    sa.Column('state', sa.Enum('waiting', 'active', 'closed', name='conversationstate', native_enum=False, length=16), nullable=False),
    sa.Column('source_hash', sa.String(length=64), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('after_hours', sa.Boolean(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_message_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['operator_id'], ['users.id'], name=op.f('fk_conversations_operator_id_users')),
    sa.ForeignKeyConstraint(['place_id'], ['places.id'], name=op.f('fk_conversations_place_id_places')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversations')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_conversations_code_hash'))
    )
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversations_operator_id'), ['operator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversations_place_id'), ['place_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversations_region'), ['region'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversations_source_hash'), ['source_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversations_state'), ['state'], unique=False)

    op.create_table('chat_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('author', sa.Enum('child', 'operator', 'system', name='author', native_enum=False, length=16), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('client_id', sa.String(length=64), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_chat_messages_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['operator_id'], ['users.id'], name=op.f('fk_chat_messages_operator_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_messages')),
    sa.UniqueConstraint('conversation_id', 'author', 'client_id', name=op.f('uq_chat_messages_conversation_id'))
    )
    with op.batch_alter_table('chat_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_messages_conversation_id'), ['conversation_id'], unique=False)

    op.create_table('case_conversations',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('linked_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_conversations_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_case_conversations_conversation_id_conversations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'conversation_id', name=op.f('pk_case_conversations'))
    )
    with op.batch_alter_table('case_conversations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_conversations_conversation_id'), ['conversation_id'], unique=False)

    with op.batch_alter_table('queue_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conversation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('place_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('region', sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f('ix_queue_entries_place_id'), ['place_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_entries_region'), ['region'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_queue_entries_conversation_id'), ['conversation_id'])
        batch_op.create_foreign_key(batch_op.f('fk_queue_entries_conversation_id_conversations'), 'conversations', ['conversation_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_queue_entries_place_id_places'), 'places', ['place_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_queue_entries_one_contact'),
                                         "(channel = 'phone' AND call_id IS NOT NULL AND conversation_id IS NULL)"
                                         " OR (channel = 'web' AND conversation_id IS NOT NULL AND call_id IS NULL)")



def downgrade() -> None:
    # The old schema has no place for chats: their cases and entries go with them.
    op.execute("DELETE FROM cases WHERE queue_entry_id IN (SELECT id FROM queue_entries WHERE conversation_id IS NOT NULL)")
    op.execute("DELETE FROM queue_entries WHERE conversation_id IS NOT NULL")
    with op.batch_alter_table('queue_entries', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_queue_entries_one_contact'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_queue_entries_place_id_places'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_queue_entries_conversation_id_conversations'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_queue_entries_conversation_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_queue_entries_region'))
        batch_op.drop_index(batch_op.f('ix_queue_entries_place_id'))
        batch_op.drop_column('region')
        batch_op.drop_column('place_id')
        batch_op.drop_column('conversation_id')

    with op.batch_alter_table('case_conversations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_conversations_conversation_id'))

    op.drop_table('case_conversations')
    with op.batch_alter_table('chat_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_messages_conversation_id'))

    op.drop_table('chat_messages')
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversations_state'))
        batch_op.drop_index(batch_op.f('ix_conversations_source_hash'))
        batch_op.drop_index(batch_op.f('ix_conversations_region'))
        batch_op.drop_index(batch_op.f('ix_conversations_place_id'))
        batch_op.drop_index(batch_op.f('ix_conversations_operator_id'))

    op.drop_table('conversations')
