"""Fixtures of these tests.

Every model is registered before the shared ``base_config`` drops the tables: run on its own against a
PostgreSQL database used before, these tests would otherwise not know ``cases``, whose foreign key to
``queue_entries`` makes ``drop_all`` fail (tests/conftest.py should call ``import_all`` itself).
"""

from __future__ import annotations

from app.models import import_all

import_all()
