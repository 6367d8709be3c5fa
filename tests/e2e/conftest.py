"""Fixtures of the end-to-end tests: every model registered before the shared ``base_config`` drops the tables."""

from __future__ import annotations

from app.models import import_all

import_all()
