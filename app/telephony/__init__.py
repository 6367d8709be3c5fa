"""The Twilio adapter: signed webhooks in, TwiML out, and the REST gateway."""
