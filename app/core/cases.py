"""The case log's vocabulary and the rules for closing a case (pure: no framework, no database).

Labels of every value, in Kazakh, Russian and English, are in ``app/cases/taxonomy.yaml``.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum


class ContactType(StrEnum):
    """What kind of contact it was, whatever its subject."""

    SUBSTANTIVE = "substantive"  # the caller raised a matter and it was dealt with
    REPEAT = "repeat"  # the caller came back about a matter already on an earlier case
    SILENT = "silent"  # connected but nobody spoke (often a child testing the line or unable to talk)
    HANG_UP = "hang_up"  # the caller hung up before saying what it was about
    PRANK = "prank"  # a joke or a deliberately false story
    WRONG_NUMBER = "wrong_number"  # meant to reach someone else (102, 103, a shop, a relative)
    ABUSIVE = "abusive"  # insults or harassment of the operator, no matter to deal with
    OTHER = "other"  # none of these; the notes say what

    @property
    def has_subject(self) -> bool:
        """Whether the contact was about something, so that a category must be given."""
        return self in (ContactType.SUBSTANTIVE, ContactType.REPEAT, ContactType.OTHER)


class Service(StrEnum):
    """What the helpline gave in the contact; one contact can get several."""

    INFORMATION = "information"  # facts: rights, procedures, where to go, opening hours
    CONSULTATION = "consultation"  # a specialist's advice on the caller's own situation (legal, family, school)
    PSYCHOLOGICAL_SUPPORT = "psychological_support"  # emotional support, crisis intervention
    INTER_AGENCY_REFERRAL = "inter_agency_referral"  # the matter is handed to another body (see referrals)


class RiskLevel(StrEnum):
    """How much danger the operator judges the caller (or the person they call about) to be in."""

    NONE = "none"  # no sign of danger
    LOW = "low"  # a concern worth noting; no harm expected soon
    MEDIUM = "medium"  # harm is possible: the case needs following up
    HIGH = "high"  # serious harm is likely without someone stepping in
    IMMEDIATE_DANGER = "immediate_danger"  # in danger now: emergency services (102/103/112) are needed


class Outcome(StrEnum):
    """How the contact ended and what follows from it."""

    RESOLVED = "resolved"  # the caller's need was met within the contact
    ADVICE_GIVEN = "advice_given"  # the caller got information or advice and acts on it themselves
    REFERRED = "referred"  # handed over to an agency, with feedback promised (needs a referral)
    EMERGENCY_SERVICES = "emergency_services"  # police or ambulance called during the contact (needs a referral)
    CALLBACK_PLANNED = "callback_planned"  # the helpline will call back, as agreed with the caller
    CALLER_DISCONNECTED = "caller_disconnected"  # the line dropped or the caller hung up mid-way
    CALLER_DECLINED = "caller_declined"  # the caller refused further help or to give details
    NO_ACTION_NEEDED = "no_action_needed"  # silent, prank, wrong-number and similar contacts
    OTHER = "other"  # none of these; the notes say what

    @property
    def needs_referral(self) -> bool:
        """Whether information left the helpline, so the hand-over must be recorded as a referral."""
        return self in (Outcome.REFERRED, Outcome.EMERGENCY_SERVICES)


class Agency(StrEnum):
    """Who a case is handed over to."""

    POLICE = "police"  # the police, juvenile inspectors, 102
    GUARDIANSHIP = "guardianship"  # guardianship and custody authorities
    HEALTH = "health"  # clinics, ambulance (103), mental health services
    EDUCATION = "education"  # schools, education departments, school psychologists
    NGO = "ngo"  # crisis centres, shelters, legal aid and other non-governmental organisations
    OTHER = "other"  # any other body (social protection, akimat, prosecutor); the note says which


class ReferralOutcome(StrEnum):
    """What came of a referral, as the agency reported it (or that it never did)."""

    ACTED = "acted"  # the agency took the matter on: a visit, an inquiry, protection, treatment, a placement
    NO_ACTION_NEEDED = "no_action_needed"  # the agency looked into it and found nothing that needs doing
    REFERRED_ON = "referred_on"  # the agency passed the matter to another body, which now deals with it
    DECLINED = "declined"  # the agency refused, or said the matter is not theirs
    NO_ANSWER = "no_answer"  # no feedback came despite reminders; the follow-up is closed without it
    OTHER = "other"  # none of these; the feedback says what

    @property
    def answered(self) -> bool:
        """Whether the agency reported back (every outcome but giving up on an answer)."""
        return self is not ReferralOutcome.NO_ANSWER


def close_problems(*, category: str | None, contact_type: ContactType | None, outcome: Outcome | None,
                   services: Collection[Service], referrals: int) -> dict[str, str]:
    """What stops a case from being closed: field name -> message key (empty when it may close).

    A contact with no subject (silent, hang-up, prank, wrong number, abusive) needs no category.
    Whenever information left the helpline, the hand-over is recorded: a referral outcome or service
    needs at least one referral.
    """
    problems: dict[str, str] = {}
    if contact_type is None:
        problems["contact_type"] = "case_error_contact_type_required"
    if category is None and (contact_type is None or contact_type.has_subject):
        problems["category"] = "case_error_category_required"
    if outcome is None:
        problems["outcome"] = "case_error_outcome_required"
    if referrals == 0 and ((outcome is not None and outcome.needs_referral)
                           or Service.INTER_AGENCY_REFERRAL in services):
        problems["referrals"] = "case_error_referral_required"
    return problems
