"""People and access: users with roles, password login, API tokens."""
