"""The development server's request log without query strings or client addresses.

A query can carry a supervisor's search terms, and the privacy rules keep addresses out of logs. gunicorn's
access log (the Procfile's ``--access-logformat``) logs only the path; this does the same for ``flask run``
and the tests' servers (Werkzeug's request lines).
"""

from __future__ import annotations

import logging
import re

_QUERY = re.compile(r"\?\S*")


class WithoutQueryOrAddress(logging.Filter):
    """Rewrite Werkzeug's ``ADDRESS - - [date] "GET /path?query HTTP/1.1" 200 -`` lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and " - - [" in record.msg:
            record.msg = "-" + record.msg[record.msg.index(" - - ["):]
            record.args = tuple(_QUERY.sub("", arg) if isinstance(arg, str) else arg for arg in record.args or ())
        return True


def init_app() -> None:
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(existing, WithoutQueryOrAddress) for existing in logger.filters):
        logger.addFilter(WithoutQueryOrAddress())
