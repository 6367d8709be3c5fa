"""The call queue: callers waiting for an operator, picked atomically, bridged over Twilio's REST API."""
