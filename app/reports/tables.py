"""The reports as the page and the CSV files show them: labelled rows, and a chart for each."""

from __future__ import annotations

from dataclasses import dataclass

from app.cases.models import Agency, Service
from app.cases.taxonomy import taxonomy
from app.core import reports as shape
from app.core.vocab import Language
from app.i18n import current_language, translate

from .services import Figures


@dataclass(frozen=True)
class Table:
    name: str  # the report's name in URLs and the audit log
    header: tuple[str, ...]  # CSV column names (stable, for spreadsheets)
    rows: list[tuple]  # CSV rows: codes and numbers, with the label where there is one
    chart: shape.Chart
    horizontal: bool  # rows of bars (categories…) rather than columns (days, hours)


def _label(vocabulary, code: str | None) -> str:
    if code is None:
        return translate("reports_not_given")
    if vocabulary is None:
        return taxonomy().label(code, current_language())
    try:
        return taxonomy().term(vocabulary(code), current_language())
    except ValueError:  # a value retired from the vocabulary still counts, under its code
        return code


def tables(figures: Figures) -> list[Table]:
    """Every report of ``figures``, in the page's order."""
    day_rows = [(day.isoformat(), count) for day, count in figures.per_day]
    hour_rows = [(f"{hour:02d}", count) for hour, count in figures.per_hour]
    made = [
        Table("per_day", ("date", "contacts"), day_rows,
              shape.columns([(day[5:], count) for day, count in day_rows]), False),
        Table("per_hour", ("hour", "contacts"), hour_rows, shape.columns(hour_rows), False),
    ]
    for name, vocabulary in (("category", None), ("language", Language), ("service", Service), ("agency", Agency)):
        counted = [(code or "", _label(vocabulary, code), count) for code, count in getattr(figures, name)]
        column = "referrals" if name == "agency" else "contacts"
        made.append(Table(name, ("code", name, column), counted,
                          shape.rows([(label, count) for _code, label, count in counted]), True))
    # Referrals' feedback by agency; the chart shows how many days the answers took (the median).
    agencies = [(row, _label(Agency, row.agency), None if row.median_days is None else round(row.median_days, 1))
                for row in figures.referral_followup]
    made.append(Table("referral_followup", ("code", "agency", "referrals", "answered", "no_answer", "awaiting",
                                            "overdue", "median_days"),
                      [(row.agency, label, row.referrals, row.answered, row.no_answer, row.awaiting, row.overdue,
                        "" if median is None else f"{median:.1f}") for row, label, median in agencies],
                      shape.rows([(label, median) for _row, label, median in agencies]), True))
    levels = [(day.isoformat(), share.count, share.total,
               "" if share.percent is None else f"{share.percent:.1f}") for day, share in figures.service_level]
    made.append(Table("service_level", ("date", "answered_in_time", "known", "percent"), levels,
                      shape.columns([(day.isoformat()[5:], share.percent) for day, share in figures.service_level],
                                    top=100), False))
    # Contacts in the line by channel, region and place; the chart shows how many.
    labels = {"channel": lambda code: translate(f"reports_channel_{code}"),
              "region": lambda code: code,
              "place": lambda code: figures.place_names.get(code, code)}
    for name, label in labels.items():
        rows = [(row.key or "", translate("reports_not_given") if row.key is None else label(row.key), row.contacts,
                 row.answered, row.abandoned, "" if row.median_wait is None else f"{row.median_wait:.1f}")
                for row in getattr(figures, name)]
        made.append(Table(name, ("code", name, "contacts", "answered", "abandoned", "median_wait_seconds"), rows,
                          shape.rows([(row[1], row[2]) for row in rows]), True))
    return made
