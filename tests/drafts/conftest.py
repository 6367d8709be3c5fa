"""Fixtures of these tests: every model registered before the tables are made (drafts reference cases)."""

from __future__ import annotations

from app.models import import_all

import_all()
