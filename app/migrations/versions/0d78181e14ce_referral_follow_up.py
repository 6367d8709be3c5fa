"""referral follow-up: the outcome of an agency's feedback, who recorded it and when; due dates moved with a reason

Feedback recorded before this migration keeps no outcome (the reports count it as answered).

Revision ID: 0d78181e14ce
Revises: 65785fc3f860
Create Date: 2026-12-05 08:26:33.730938
"""

import sqlalchemy as sa
from alembic import op

import app.db

revision = '0d78181e14ce'
down_revision = '65785fc3f860'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.Enum('acted', 'no_action_needed', 'referred_on', 'declined', 'no_answer', 'other', name='referraloutcome', native_enum=False, length=32), nullable=True))
        batch_op.add_column(sa.Column('feedback_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('feedback_recorded_at', app.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('first_due_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('due_date_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_referrals_feedback_by_users'), 'users', ['feedback_by'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_referrals_feedback_by_users'), type_='foreignkey')
        batch_op.drop_column('due_date_reason')
        batch_op.drop_column('first_due_date')
        batch_op.drop_column('feedback_recorded_at')
        batch_op.drop_column('feedback_by')
        batch_op.drop_column('outcome')
