"""A case never holds the caller's number: the keyed hash links repeat callers."""

from __future__ import annotations

from datetime import timedelta

from app.cases import services
from app.db import utcnow
from tests.telephony.helpers import dump_database

from .conftest import CALLER

NUMBER_FORMS = (CALLER, CALLER[1:], CALLER[2:], "8" + CALLER[2:])


def test_no_number_is_stored_with_the_cases(app, db_session, operator, talked):
    first = services.open_case(talked(operator, from_number=CALLER), operator)
    second = services.open_case(talked(operator, from_number=CALLER), operator)
    services.save_case(second.id, operator, {
        "category": "violence", "contact_type": "repeat", "outcome": "referred", "notes": "без номера",
        "referrals": [{"agency": "police", "note": "передано", "due_date": utcnow().date() + timedelta(days=3)}]})
    services.close_case(second.id, operator)
    assert services.earlier_cases(second.id) == [first]
    assert second.caller_hash == first.caller_hash and len(second.caller_hash) == 64

    dump = dump_database(app)
    assert "cases: " in dump and "referrals: " in dump and "case_links: " in dump
    assert second.caller_hash in dump
    for form in NUMBER_FORMS:
        assert form not in dump
