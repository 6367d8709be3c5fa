"""The supervisors' front door: the JSON API (and, later, the supervisor console)."""
