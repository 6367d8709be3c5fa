"""Sign-in throttling rules: growing delays after failed attempts, never a hard lock.

Three counters of failures, each with its own rule:

- **pair** (one account from one source): the person who mistyped, or a guesser at one account from one
  address. Reset when that account signs in from that source.
- **source** (one source, any account): a guesser trying many accounts. Never reset by a success (a
  guesser who signs in to an account of their own in between gains nothing).
- **account** (one account, from sources that have not signed in to it lately): a guesser rotating
  addresses. Sources the account signed in from within ``TRUSTED_DAYS`` do not count and are not held
  back, so a stranger's attempts cannot keep an operator out from the helpline's own network.

After ``free`` failures the next attempt waits, and each further failure doubles the wait, up to ``cap``; a counter is forgotten ``forget``
after its last failure. An attempt while waiting is refused without checking the password.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Scope(StrEnum):
    """Whose failures a counter holds."""

    PAIR = "pair"  # one account from one source
    SOURCE = "source"  # one source, any account
    ACCOUNT = "account"  # one account, from sources it has not signed in from lately


@dataclass(frozen=True)
class Rule:
    free: int  # failures with no wait; after this many the next attempt waits ``first``
    first: timedelta  # the first wait; each further failure doubles it
    cap: timedelta  # the longest wait
    forget: timedelta  # a counter with no failure for this long starts again at zero


RULES = {
    Scope.PAIR: Rule(free=5, first=timedelta(seconds=2), cap=timedelta(minutes=15), forget=timedelta(hours=24)),
    Scope.SOURCE: Rule(free=20, first=timedelta(seconds=2), cap=timedelta(minutes=15), forget=timedelta(hours=1)),
    Scope.ACCOUNT: Rule(free=10, first=timedelta(seconds=2), cap=timedelta(minutes=15), forget=timedelta(hours=24)),
}
TRUSTED_DAYS = 30  # a source the account signed in from within this many days is not a stranger to it


def wait(rule: Rule, failures: int) -> timedelta:
    """How long after the last failure the next attempt must wait."""
    beyond = failures - rule.free
    if beyond < 0:
        return timedelta(0)
    return min(rule.cap, rule.first * 2 ** min(beyond, 32))


def wait_until(rule: Rule, failures: int, last_failure: datetime | None, now: datetime) -> datetime | None:
    """When the next attempt may be made, or None if it may be made now."""
    if last_failure is None or now - last_failure >= rule.forget:
        return None
    until = last_failure + wait(rule, failures)
    return until if until > now else None
