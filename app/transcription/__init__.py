"""Transcription: offline speech recognition of recordings with Vosk, in Kazakh and Russian."""
