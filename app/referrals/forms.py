"""The follow-up forms: what an agency reported, and a later due date when it asks for more time.

Like the case form, these check only the CSRF token: the values are checked by ``services``, whose errors the
form shows translated beside their fields. Each has a prefix, so that both sit on one page.
"""

from __future__ import annotations

from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.widgets import DateInput, DateTimeLocalInput

from app import i18n
from app.cases.models import ReferralOutcome
from app.cases.services import NOTES_MAX, CaseError
from app.cases.taxonomy import taxonomy

from .services import REASON_MAX


class _ShowsErrors(FlaskForm):
    def add_errors(self, error: CaseError) -> None:
        """Show a service's errors translated, beside their field (or above the form)."""
        for name, key in error.errors.items():
            message = i18n.translate(key)
            if name in self._fields:
                self[name].errors = [*self[name].errors, message]
            else:
                self.form_errors.append(message)


class FeedbackForm(_ShowsErrors):
    """What the agency reported, when, and what came of the referral."""

    outcome = SelectField(validate_choice=False)
    received_at = StringField(widget=DateTimeLocalInput())  # the helpline's local time, to the minute
    feedback = TextAreaField(render_kw={"maxlength": NOTES_MAX, "rows": 5})
    submit = SubmitField()

    def __init__(self, *args, now: datetime | None = None, **kwargs):
        super().__init__(*args, prefix="feedback", **kwargs)
        self.outcome.choices = [("", i18n.translate("case_not_chosen"))] + taxonomy().choices(
            ReferralOutcome, i18n.current_language())
        if now is not None and not self.received_at.data:
            self.received_at.data = now.strftime("%Y-%m-%dT%H:%M")
        for name in ("outcome", "received_at", "feedback", "submit"):
            self[name].label.text = i18n.translate(f"referrals_field_{name}")


class DueDateForm(_ShowsErrors):
    """A later due date, and why (the agency asked for more time, say)."""

    due_date = StringField(widget=DateInput())
    reason = TextAreaField(render_kw={"maxlength": REASON_MAX, "rows": 2})
    submit = SubmitField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="due", **kwargs)
        for name in ("due_date", "reason"):
            self[name].label.text = i18n.translate(f"referrals_field_{name}")
        self.submit.label.text = i18n.translate("referrals_field_move")
