"""Operator presence: availability, where Twilio reaches each operator, and how many contacts they may hold."""
