"""Fixtures of the supervisor API tests: a transcribed voice message needs the whole pipeline."""

from tests.recordings.pipeline import make_pipeline_app, pipeline_app, twilio  # noqa: F401
from tests.transcription.speech import speech_models, test_audio, vosk_model  # noqa: F401
