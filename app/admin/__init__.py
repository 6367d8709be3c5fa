"""The admins' pages: people (create, deactivate, reset passwords, revoke API tokens) and the effective settings."""
