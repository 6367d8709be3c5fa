"""recordings pipeline and transcripts

Revision ID: 7d2f192d310d
Revises: 280ded8bc6ea
Create Date: 2026-11-28 05:10:24.385455
"""

import sqlalchemy as sa
from alembic import op

import app.db

revision = '7d2f192d310d'
down_revision = '280ded8bc6ea'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing recordings get defaults, so this also runs on a database with rows.
    op.create_table('transcripts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recording_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Integer(), nullable=False),
    sa.Column('speaker', sa.Enum('caller', 'operator', 'voice_message', name='speaker', native_enum=False, length=16), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('engine', sa.String(length=128), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recording_id'], ['recordings.id'], name=op.f('fk_transcripts_recording_id_recordings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transcripts')),
    sa.UniqueConstraint('recording_id', 'channel', name=op.f('uq_transcripts_recording_id'))
    )
    with op.batch_alter_table('transcripts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transcripts_recording_id'), ['recording_id'], unique=False)

    op.create_table('transcript_words',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transcript_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('word', sa.String(length=128), nullable=False),
    sa.Column('start', sa.Double(), nullable=False),
    sa.Column('end', sa.Double(), nullable=False),
    sa.Column('confidence', sa.Double(), nullable=False),
    sa.ForeignKeyConstraint(['transcript_id'], ['transcripts.id'], name=op.f('fk_transcript_words_transcript_id_transcripts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transcript_words'))
    )
    with op.batch_alter_table('transcript_words', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transcript_words_transcript_id'), ['transcript_id'], unique=False)

    with op.batch_alter_table('recordings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.Enum('voice_message', 'conversation', name='recordingsource', native_enum=False, length=16), nullable=False, server_default='voice_message'))
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('failure', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('local_path', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('size_bytes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('job_sent_at', app.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('stored_at', app.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('deleted_at_twilio', app.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('transcribed_at', app.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False,
                                      server_default=sa.func.current_timestamp()))
        batch_op.alter_column('duration_seconds',
               existing_type=sa.INTEGER(),
               type_=sa.Double(),
               existing_nullable=True)



def downgrade() -> None:
    with op.batch_alter_table('recordings', schema=None) as batch_op:
        batch_op.alter_column('duration_seconds',
               existing_type=sa.Double(),
               type_=sa.INTEGER(),
               existing_nullable=True)
        batch_op.drop_column('updated_at')
        batch_op.drop_column('transcribed_at')
        batch_op.drop_column('deleted_at_twilio')
        batch_op.drop_column('stored_at')
        batch_op.drop_column('job_sent_at')
        batch_op.drop_column('size_bytes')
        batch_op.drop_column('sha256')
        batch_op.drop_column('local_path')
        batch_op.drop_column('attempts')
        batch_op.drop_column('failure')
        batch_op.drop_column('language')
        batch_op.drop_column('source')

    with op.batch_alter_table('transcript_words', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transcript_words_transcript_id'))

    op.drop_table('transcript_words')
    with op.batch_alter_table('transcripts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transcripts_recording_id'))

    op.drop_table('transcripts')
