"""Recordings: voice messages and conversation recordings announced by Twilio."""
