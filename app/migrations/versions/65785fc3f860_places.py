"""places: schools, colleges and other places with a QR poster (codes are stored lower case)

Revision ID: 65785fc3f860
Revises: 9b1c4e7a2d10
Create Date: 2026-12-05 08:23:22.619374
"""

import sqlalchemy as sa
from alembic import op

import app.db

revision = '65785fc3f860'
down_revision = '9b1c4e7a2d10'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('places',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('district', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('school', 'college', 'other', name='placekind', native_enum=False, length=16), nullable=False),
    sa.Column('retired_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_places')),
    sa.UniqueConstraint('code', name=op.f('uq_places_code'))
    )
    with op.batch_alter_table('places', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_places_region'), ['region'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('places', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_places_region'))

    op.drop_table('places')