"""What the database holds, as text: for tests that check something is kept nowhere."""

from __future__ import annotations

from sqlalchemy import inspect, text

from app.db import db


def database_text(app) -> str:
    """Every value of every table (the full-text index's own tables too), as text."""
    values = []
    with app.app_context(), db.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                values.extend(value.decode("latin-1") if isinstance(value, bytes) else str(value) for value in row)
    return "\n".join(values)
