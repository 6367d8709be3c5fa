"""The pure rules of closing a case (app.core.cases)."""

from __future__ import annotations

from app.core.cases import ContactType, Outcome, Service, close_problems


def problems(**values) -> dict[str, str]:
    base = {"category": "family", "contact_type": ContactType.SUBSTANTIVE, "outcome": Outcome.RESOLVED,
            "services": (), "referrals": 0}
    return close_problems(**(base | values))


def test_a_complete_case_may_close():
    assert problems() == {}
    assert problems(outcome=Outcome.REFERRED, referrals=1, services=[Service.INTER_AGENCY_REFERRAL]) == {}


def test_contacts_without_a_subject_need_no_category():
    without = [t for t in ContactType if not t.has_subject]
    assert set(without) == {ContactType.SILENT, ContactType.HANG_UP, ContactType.PRANK, ContactType.WRONG_NUMBER,
                            ContactType.ABUSIVE}
    for contact_type in without:
        assert problems(category=None, contact_type=contact_type, outcome=Outcome.NO_ACTION_NEEDED) == {}
    for contact_type in set(ContactType) - set(without):
        assert problems(category=None, contact_type=contact_type) == {"category": "case_error_category_required"}


def test_every_hand_over_is_recorded():
    assert {o for o in Outcome if o.needs_referral} == {Outcome.REFERRED, Outcome.EMERGENCY_SERVICES}
    for outcome in Outcome:
        expected = {"referrals": "case_error_referral_required"} if outcome.needs_referral else {}
        assert problems(outcome=outcome) == expected
    assert problems(services=[Service.INTER_AGENCY_REFERRAL]) == {"referrals": "case_error_referral_required"}
