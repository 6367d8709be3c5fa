"""The built-in call simulator: plays Twilio's side of a call against this server, offline."""
