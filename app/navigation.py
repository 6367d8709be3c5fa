"""The menu of the web consoles: which pages a role sees, and where each role lands after signing in.

The order is the menu's order; a role's first page is where it lands.
"""

from __future__ import annotations

from app.auth.models import Role

OPERATOR, SUPERVISOR, ADMIN = Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN

PAGES: tuple[tuple[str, str, frozenset[Role]], ...] = (  # endpoint, label key, who sees it
    ("board.index", "nav_board", frozenset({SUPERVISOR})),
    ("listen.index", "nav_live_calls", frozenset({SUPERVISOR})),
    ("console.index", "nav_queue", frozenset({OPERATOR, SUPERVISOR})),
    ("console.inbox_page", "nav_inbox", frozenset({OPERATOR, SUPERVISOR})),
    ("console.my_cases", "nav_my_cases", frozenset({OPERATOR})),
    ("referrals.index", "nav_referrals", frozenset({OPERATOR, SUPERVISOR})),
    ("search.index", "nav_search", frozenset({SUPERVISOR})),
    ("reports.index", "nav_reports", frozenset({SUPERVISOR})),
    ("admin.users", "nav_users", frozenset({ADMIN})),  # before the audit log: where admins land
    ("admin.settings", "nav_settings", frozenset({ADMIN})),
    ("places.index", "nav_places", frozenset({ADMIN})),
    ("audit_log.index", "nav_audit", frozenset({SUPERVISOR, ADMIN})),
)


def menu(role: Role) -> list[tuple[str, str]]:
    """(endpoint, label key) of the pages ``role`` sees, in order."""
    return [(endpoint, label) for endpoint, label, roles in PAGES if role in roles]


def landing(role: Role) -> str | None:
    """The endpoint a person of ``role`` starts on, if any of their pages exists."""
    pages = menu(role)
    return pages[0][0] if pages else None
