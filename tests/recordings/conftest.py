"""Fixtures of the recordings pipeline tests: the model, test audio, Twilio's stand-in, pipeline apps."""

from tests.recordings.pipeline import make_pipeline_app, pipeline_app, twilio  # noqa: F401
from tests.transcription.speech import speech_models, test_audio, vosk_model  # noqa: F401
