"""The line: contacts of every channel waiting for an operator, in order, claimed atomically (no voice, no Twilio)."""
