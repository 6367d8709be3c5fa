"""case drafts and console presence

A case form's unsaved draft per case and operator; when a console page last streamed for an operator.

Revision ID: 0fc48e16accd
Revises: 2ec1844cea9b
Create Date: 2026-12-05 14:08:06.069851
"""

import sqlalchemy as sa
from alembic import op

import app.db

revision = '0fc48e16accd'
down_revision = '2ec1844cea9b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('saved_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_drafts_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['operator_id'], ['users.id'], name=op.f('fk_case_drafts_operator_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_drafts')),
    sa.UniqueConstraint('case_id', 'operator_id', name=op.f('uq_case_drafts_case_id'))
    )
    with op.batch_alter_table('operator_status', schema=None) as batch_op:
        batch_op.add_column(sa.Column('console_seen_at', app.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('operator_status', schema=None) as batch_op:
        batch_op.drop_column('console_seen_at')
    op.drop_table('case_drafts')
