"""login throttles: counters of failed sign-ins by keyed hash of account, source or both

Revision ID: f6169cb2f3cb
Revises: 42cc0deaf1f1
Create Date: 2026-12-05 08:26:42.452103
"""

import sqlalchemy as sa
from alembic import op

import app.db

revision = 'f6169cb2f3cb'
down_revision = '42cc0deaf1f1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_throttles',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('signed_in_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttles'))
    )


def downgrade() -> None:
    op.drop_table('login_throttles')
