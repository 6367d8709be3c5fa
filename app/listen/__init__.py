"""Listening in: a supervisor joins a live conversation muted (listen) or whispering to the operator (coach)."""
