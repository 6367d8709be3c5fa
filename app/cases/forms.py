"""The case form of the operator console, its choices from the taxonomy in the console's current language.

The form checks only the CSRF token: the values are checked by ``services.save_case``, whose errors the
form shows translated beside their fields (``add_errors``). Referrals are a repeated group
(``referrals-<n>-id|agency|note|due_date``); a row left blank is ignored, and an existing referral whose row
is emptied is withdrawn. A view does::

    form = CaseForm.for_case(case)
    if form.validate_on_submit():
        try:
            save_case(case.id, current_user.id, form.to_data())
            if form.close.data:
                close_case(case.id, current_user.id)
        except CaseError as error:
            form.add_errors(error)
"""

from __future__ import annotations

from flask import has_request_context
from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.widgets import CheckboxInput, DateInput, ListWidget

from app import i18n
from app.core.cases import Agency, ContactType, Outcome, RiskLevel, Service
from app.core.vocab import Language

from .models import Case
from .services import NOTES_MAX, CaseError
from .taxonomy import taxonomy


def _lang() -> str:
    return i18n.current_language() if has_request_context() else i18n.DEFAULT


def _blank() -> list[tuple[str, str]]:
    return [("", i18n.translate("case_not_chosen"))]


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ReferralForm(Form):
    """One referral: the agency, what was handed over, and when feedback is due (no CSRF of its own)."""

    id = HiddenField()
    agency = SelectField(validate_choice=False)
    note = TextAreaField(render_kw={"maxlength": NOTES_MAX, "rows": 2})
    due_date = StringField(widget=DateInput())  # ISO date; parsed and checked by save_case

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lang = _lang()
        self.agency.choices = _blank() + taxonomy().choices(Agency, lang)
        self.agency.label.text = i18n.translate("case_field_agency")
        self.note.label.text = i18n.translate("case_field_referral_note")
        self.due_date.label.text = i18n.translate("case_field_due_date")

    def is_blank(self) -> bool:
        return not (self.agency.data or (self.note.data or "").strip() or (self.due_date.data or "").strip())


class CaseForm(FlaskForm):
    """Everything the operator logs about a contact; ``to_data()`` is what ``save_case`` takes."""

    category = SelectField(validate_choice=False)
    sub_category = SelectField(validate_choice=False)
    contact_type = SelectField(validate_choice=False)
    services = MultiCheckboxField(validate_choice=False)
    risk_level = SelectField(validate_choice=False)
    outcome = SelectField(validate_choice=False)
    language = SelectField(validate_choice=False)
    notes = TextAreaField(render_kw={"maxlength": NOTES_MAX, "rows": 6})
    referrals = FieldList(FormField(ReferralForm))
    save = SubmitField()
    close = SubmitField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        terms, lang = taxonomy(), _lang()
        self.category.choices = _blank() + terms.category_choices(lang)
        self.sub_category.choices = {None: _blank()} | terms.sub_category_choices(lang)
        self.contact_type.choices = _blank() + terms.choices(ContactType, lang)
        self.services.choices = terms.choices(Service, lang)
        self.risk_level.choices = _blank() + terms.choices(RiskLevel, lang)
        self.outcome.choices = _blank() + terms.choices(Outcome, lang)
        self.language.choices = _blank() + terms.choices(Language, lang)
        for name in ("category", "sub_category", "contact_type", "services", "risk_level", "outcome", "language",
                     "notes", "referrals"):
            self[name].label.text = i18n.translate(f"case_field_{name}")
        self.save.label.text = i18n.translate("case_save")
        self.close.label.text = i18n.translate("case_close")

    @classmethod
    def for_case(cls, case: Case, *, blank_referrals: int = 1, **kwargs) -> CaseForm:
        """The form filled with the case, plus ``blank_referrals`` empty referral rows to fill in."""
        data = {
            "category": case.category or "",
            "sub_category": case.sub_category or "",
            "contact_type": case.contact_type.value if case.contact_type else "",
            "services": [service.value for service in case.service_values],
            "risk_level": case.risk_level.value if case.risk_level else "",
            "outcome": case.outcome.value if case.outcome else "",
            "language": case.language or "",
            "notes": case.notes or "",
            "referrals": [
                {"id": str(r.id), "agency": r.agency.value, "note": r.note, "due_date": r.due_date.isoformat()}
                for r in case.referrals
            ] + [{}] * blank_referrals,
        }
        return cls(data=data, **kwargs)

    def to_data(self) -> dict:
        """The submitted values as ``save_case`` takes them; blank referral rows are left out."""
        return {
            "category": self.category.data or None,
            "sub_category": self.sub_category.data or None,
            "contact_type": self.contact_type.data or None,
            "services": list(self.services.data or []),
            "risk_level": self.risk_level.data or None,
            "outcome": self.outcome.data or None,
            "language": self.language.data or None,
            "notes": self.notes.data or "",
            "referrals": [
                {"id": int(row.form.id.data) if (row.form.id.data or "").isdigit() else None,
                 "agency": row.form.agency.data or None, "note": row.form.note.data or "",
                 "due_date": (row.form.due_date.data or "").strip() or None}
                for row in self.referrals if not row.form.is_blank()
            ],
        }

    def add_errors(self, error: CaseError) -> None:
        """Show a save or close error translated, beside its field (or above the form)."""
        for name, key in error.errors.items():
            field = self._fields.get(name)
            message = i18n.translate(key)
            if field is None:
                self.form_errors.append(message)
            else:
                field.errors = [*field.errors, message]
