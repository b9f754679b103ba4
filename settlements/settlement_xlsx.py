"""A settlement's statement as an Excel workbook: one sheet for its terms, schedule, payments, revisions and trail.

Written with the exports' writer (`xlsx.py`): human headers, amounts as numbers in £#,##0.00, dates as dates,
columns as wide as their values, text always text (never a formula).
"""

from datetime import datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone

from settlements import xlsx
from settlements.dates import uk, uk_time
from settlements.exports import STATUS_LABELS, funding_label
from settlements.models import Instalment
from settlements.money import pounds
from settlements.reports.settlement import SettlementPicture
from settlements.users import name_of

SCHEDULE_HEADER = ["Instalment", "Due on", "Financial year", "Amount", "Paid", "Outstanding", "Status", "Funding"]
PAYMENT_HEADER = [
    "Reference", "Kind", "Paid on", "Instalment", "Amount", "Counted by the date", "Reason", "Recorded by",
]  # fmt: skip
REVISION_HEADER = [
    "Revision", "Revised on", "Status", "Reason", "Decision", "Schedule", "Instalment", "Due on", "Amount",
]  # fmt: skip
TRAIL_HEADER = ["When", "What", "Who"]


def amount(money) -> Decimal | None:
    """An amount as a Decimal of pounds for a £ cell; None stays an empty cell."""
    return None if money is None else money.amount


def published(money) -> Decimal | str:
    """An amount that may never have been published: empty amounts say so rather than show £0.00."""
    return "Not published" if money is None else money.amount


def when(moment: datetime | None) -> str:
    return uk_time(timezone.localtime(moment)) if moment else ""


def _terms(picture: SettlementPicture, scope: list[tuple[str, str]]) -> list[list]:
    s = picture.settlement
    notice = s.termination_notice
    rows = [
        ["Alliance", s.alliance.name],
        ["Payer", s.payer.name],
        ["Payee", s.payee.name],
        ["Agreed on", s.agreed_on],
        ["Status", s.get_status_display()],
        ["Notice", f"Served by {notice.served_by.name} on {uk(notice.served_on)}" if notice else "None recorded"],
        ["Requested by the payee", published(s.requested_amount)],
        ["Recommended by review", published(s.recommended_amount)],
        ["Cash amount agreed", amount(s.cash_amount)],
        *[
            [f"{a.get_kind_display()}: {a.description} ({a.get_status_display().lower()})", amount(a.amount)]
            for a in picture.adjustments
        ],
        ["Headline total (cash plus approved adjustments)", amount(picture.headline)],
        ["Full and final", "Yes" if s.full_and_final else "No"],
        ["Funding", s.funding_note],
        [],
        *[[name, value] for name, value in scope],
        ["Scheduled", amount(picture.totals.amount)],
        ["Paid by the date", amount(picture.totals.paid)],
        ["Outstanding at the date", amount(picture.totals.outstanding)],
    ]
    return rows


def _instalment_row(i: Instalment) -> list:
    return [
        i.number,
        i.due_on,
        str(i.financial_year),
        pounds(i.amount_pence),
        pounds(i.paid_pence),
        pounds(i.outstanding_pence),
        STATUS_LABELS.get(i.status, i.status),
        funding_label(i.funding_source, i.reserve_name),
    ]


def _sheet(workbook: xlsx.Workbook, title: str, heading: str, header: list[str], rows, total=None) -> None:
    sheet = workbook.add_sheet(title, len(header))
    xlsx.heading(sheet, heading, [], header)
    for row in rows:
        sheet.append(row)
    if total:
        sheet.append(total, bold=True)


def settlement_xlsx(picture: SettlementPicture, year_row: tuple[str, str], filename: str) -> HttpResponse:
    s, as_of = picture.settlement, picture.as_of
    heading = f"Settlement statement: {s.payer.short_name} to {s.payee.short_name}, agreed {uk(s.agreed_on)}"
    workbook = xlsx.Workbook()
    terms = workbook.add_sheet("Statement", 2)
    terms.append([heading], bold=True, fit=False)
    terms.append([])
    for row in _terms(picture, [("As at", as_of), year_row]):
        terms.append(row)

    totals = picture.totals
    schedule = [_instalment_row(i) for i in picture.schedule]
    if picture.awaiting:
        schedule += [[], ["Awaiting approval, not counted"]] + [_instalment_row(i) for i in picture.awaiting]
    _sheet(
        workbook,
        "Schedule",
        f"Schedule in force at {uk(as_of)}",
        SCHEDULE_HEADER,
        schedule,
        ["Total", None, None, amount(totals.amount), amount(totals.paid), amount(totals.outstanding)],
    )
    payments = [
        [
            line.payment.reference,
            line.payment.get_kind_display(),
            line.payment.paid_on,
            line.payment.instalment.number,
            amount(line.signed),
            "Yes" if line.counted else "No, made after the date",
            line.payment.reason,
            name_of(line.payment.recorded_by),
        ]
        for line in picture.payments
    ]
    paid_total = ["Paid by the date", None, None, None, amount(picture.paid_by_date)]
    _sheet(workbook, "Payments", "Payments and reversals", PAYMENT_HEADER, payments, paid_total)
    _sheet(workbook, "Revisions", "Schedule revisions", REVISION_HEADER, _revision_rows(picture))
    trail = [[when(entry.at), entry.what, entry.who] for entry in picture.trail]
    _sheet(workbook, "Approval trail", "Approval trail", TRAIL_HEADER, trail)
    return xlsx.response(workbook, filename)


def _revision_rows(picture: SettlementPicture) -> list[list]:
    rows = []
    for change in picture.revisions:
        r = change.revision
        head = [r.sequence, r.revised_on, r.get_status_display(), r.reason, r.decision_reference]
        for label, instalments in (("Before", change.before), ("After", change.after)):
            for i in instalments:
                rows.append([*head, label, i.number, i.due_on, amount(i.amount)])
    return rows
