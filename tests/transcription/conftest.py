"""Fixtures of the transcription tests: the dither-off model, test audio, and pipeline apps for the CLI."""

from tests.recordings.pipeline import make_pipeline_app, pipeline_app, twilio  # noqa: F401
from tests.transcription.speech import speech_models, test_audio, vosk_model  # noqa: F401
