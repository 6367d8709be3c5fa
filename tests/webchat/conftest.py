"""Fixtures of the child's page tests: every model registered (see tests/chat/conftest.py)."""

from __future__ import annotations

from app.models import import_all

import_all()
