"""operator status

Revision ID: 5ab4b236ed22
Revises: fd55e689e7ab
Create Date: 2026-11-28 05:24:36.114453
"""

import sqlalchemy as sa
from alembic import op

import app.db

revision = '5ab4b236ed22'
down_revision = 'fd55e689e7ab'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('operator_status',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('availability', sa.Enum('available', 'busy', 'wrap_up', 'away', name='availability', native_enum=False, length=16), nullable=False),
    sa.Column('since', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('endpoint', sa.String(length=128), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_operator_status_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_operator_status'))
    )


def downgrade() -> None:
    op.drop_table('operator_status')
