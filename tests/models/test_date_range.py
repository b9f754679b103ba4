"""One range of dates, 1 April 1990 to 31 March 2100, on every date a person or a file can enter."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.template import Context, Template
from django.urls import reverse
from djmoney.money import Money

from settlements import models
from settlements.dates import parse_date, uk, validate_in_range
from settlements.fiscal import EARLIEST_DATE, FIRST_YEAR, LAST_YEAR, LATEST_DATE, FinancialYear
from settlements.forms import parse_lines
from settlements.services import EvenSplit, ExplicitAmounts, preview_schedule, record_payment
from tests import factories
from tests.admin.test_admin import admin_url, settlement_form

DAY_BEFORE, DAY_AFTER = date(1990, 3, 31), date(2100, 4, 1)


def test_the_range_is_derived_from_the_financial_years():
    assert (FinancialYear(1990), FinancialYear(2099)) == (FIRST_YEAR, LAST_YEAR)
    assert (date(1990, 4, 1), date(2100, 3, 31)) == (EARLIEST_DATE, LATEST_DATE)


@pytest.mark.parametrize("day", [EARLIEST_DATE, LATEST_DATE, date(2020, 3, 30)])
def test_the_first_and_last_days_are_taken(day):
    validate_in_range(day)


@pytest.mark.parametrize("day", [DAY_BEFORE, DAY_AFTER, date(9999, 12, 31), date(1850, 1, 1), date(1, 1, 1)])
def test_the_days_either_side_are_refused_with_the_range(day):
    with pytest.raises(ValidationError, match=r"Enter a date from 01/04/1990 to 31/03/2100"):
        validate_in_range(day)


@pytest.mark.parametrize("label", ["1989/90", "2100/01", "9998/99"])
def test_financial_years_outside_the_range_are_refused(label):
    with pytest.raises(ValueError, match="outside the years this system takes: 1990/91 to 2099/00"):
        FinancialYear.parse(label)


def test_the_years_at_the_ends_are_taken():
    assert FinancialYear.parse("1990/91") == FIRST_YEAR
    assert FinancialYear.parse("2099/00") == LAST_YEAR


@pytest.mark.parametrize("text", ["31/03/2021", "2021-03-31", "31/03/21"])
def test_dates_are_typed_the_uk_way_or_the_iso_way(text):
    assert parse_date(text) == date(2021, 3, 31)


def test_dates_are_written_the_uk_way():
    assert uk(date(2020, 3, 30)) == "30/03/2020"
    assert uk(date(5, 1, 1)) == "01/01/0005"


def test_pages_write_dates_as_dates_uk_does_and_moments_in_london():
    page = Template("{% load report_tags %}{{ day|uk }} {{ moment|uk }} {{ moment|uk_time }} [{{ nothing|uk }}]")
    # 23:30 on 31 March 2021 in UTC is 00:30 on 1 April in London (summer time).
    moment = datetime(2021, 3, 31, 23, 30, tzinfo=UTC)
    text = page.render(Context({"day": date(2020, 3, 30), "moment": moment, "nothing": None}))
    assert text == "30/03/2020 01/04/2021 01/04/2021 00:30 []"


@pytest.mark.parametrize("line", ["31/12/9999, £5.00", "01/01/1850, £5.00", "31/03/1990, £5.00"])
def test_a_schedule_line_outside_the_range_is_refused(line):
    with pytest.raises(ValidationError, match="Enter a date from 01/04/1990 to 31/03/2100"):
        parse_lines(line)


# Every date column, with a row built at the edge and the model's own validator and database constraint.
DATE_COLUMNS = [
    (models.Alliance, "starts_on"),
    (models.Alliance, "ends_on"),
    (models.TerminationNotice, "served_on"),
    (models.TerminationNotice, "effective_on"),
    (models.Settlement, "agreed_on"),
    (models.ScheduleRevision, "revised_on"),
    (models.Instalment, "due_on"),
    (models.Payment, "paid_on"),
    (models.HostedService, "starts_on"),
    (models.HostedService, "ends_on"),
]


def test_every_date_column_has_the_range():
    own = {
        (model, field.name)
        for model in [m for m, _ in DATE_COLUMNS]
        for field in model._meta.concrete_fields
        if field.get_internal_type() == "DateField"
    }
    assert own == set(DATE_COLUMNS)
    for model, name in DATE_COLUMNS:
        if model._meta.get_field(name).editable:
            assert validate_in_range in model._meta.get_field(name).validators


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "name"), DATE_COLUMNS, ids=lambda v: getattr(v, "__name__", v))
@pytest.mark.parametrize("day", [DAY_BEFORE, DAY_AFTER, date(9999, 12, 31)], ids=str)
def test_the_database_refuses_a_date_outside_the_range_in_every_date_column(model, name, day):
    row = edge_world()[model]
    column = model._meta.get_field(name).column
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {model._meta.db_table} SET {column} = %s WHERE id = %s", [day, row.pk])  # noqa: S608


@pytest.mark.django_db
def test_the_admin_refuses_a_settlement_agreed_in_1800_and_takes_both_date_formats(admin_client):
    alliance = factories.AllianceFactory()
    refused = admin_client.post(admin_url(models.Settlement, "add"), settlement_form(alliance, agreed_on="01/01/1800"))
    assert "Enter a date from 01/04/1990 to 31/03/2100" in " ".join(
        refused.context["adminform"].form.errors["agreed_on"]
    )
    assert not models.Settlement.objects.exists()
    taken = admin_client.post(admin_url(models.Settlement, "add"), settlement_form(alliance, agreed_on="2020-03-30"))
    assert taken.status_code == 302
    assert models.Settlement.objects.get().agreed_on == date(2020, 3, 30)


@pytest.mark.django_db
@pytest.mark.parametrize("paid_on", [date(9999, 12, 31), DAY_AFTER])
def test_the_payment_service_refuses_a_payment_dated_outside_the_range(paid_on):
    settlement = factories.DraftSettlementFactory()
    first, *_ = factories.scheduled(settlement=settlement, terms=EvenSplit(3, 6, date(2020, 4, 30)))
    with pytest.raises(ValidationError) as refused:
        record_payment(instalment=first, amount=Money("1.00", "GBP"), paid_on=paid_on, reference="BACS-1")
    assert "Enter a date from 01/04/1990" in refused.value.message_dict["paid_on"][0]
    assert not models.Payment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "terms",
    [
        ExplicitAmounts(((date(9999, 12, 31), Money("10500000.00", "GBP")),)),
        EvenSplit(240, 120, date(2020, 4, 30)),
        EvenSplit(3, 6, date(2099, 12, 31)),
    ],
    ids=["explicit-9999", "even-beyond-9999", "even-past-2100"],
)
def test_the_schedule_service_refuses_instalments_due_outside_the_range(terms):
    with pytest.raises(ValidationError):
        preview_schedule(settlement=factories.DraftSettlementFactory(), terms=terms)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("starts_on", "months", "extension", "field"),
    [
        (date(9999, 12, 31), 1, 0, "starts_on"),
        (date(2020, 4, 1), 32767, 0, "months"),
        (date(2020, 4, 1), 12, 32767, "extension_months"),
        (date(2099, 4, 1), 13, 0, "months"),
        (date(2099, 4, 1), 12, 1, "months"),
    ],
)
def test_a_hosted_service_term_is_checked_before_its_end_is_worked_out(starts_on, months, extension, field):
    service = factories.HostedServiceFactory.build(
        alliance=factories.AllianceFactory(),
        starts_on=starts_on,
        months=months,
        extension_months=extension,
        ends_on=date(2020, 4, 1),
    )
    with pytest.raises(ValidationError) as refused:
        service.full_clean()
    assert field in refused.value.message_dict


@pytest.mark.django_db
def test_a_hosted_service_may_end_on_the_last_day():
    service = factories.HostedServiceFactory.build(
        alliance=factories.AllianceFactory(), starts_on=date(2099, 4, 1), months=12, ends_on=None
    )
    service.full_clean()
    assert service.ends_on == LATEST_DATE


@pytest.mark.django_db
def test_the_admin_refuses_a_hosted_service_of_32767_months(admin_client):
    alliance = factories.AllianceFactory()
    provider, recipient = alliance.members.order_by("pk")
    data = {
        "alliance": alliance.pk,
        "service": "File storage",
        "provider": provider.pk,
        "recipient": recipient.pk,
        "starts_on": "31/12/9999",
        "months": "32767",
        "extension_months": "0",
        "charging_basis": "full_cost_recovery",
        "estimated_cost_0": "",
        "estimated_cost_1": "GBP",
    }
    page = admin_client.post(admin_url(models.HostedService, "add"), data)
    assert page.status_code == 200
    errors = page.context["adminform"].form.errors
    assert "Enter a date from 01/04/1990" in errors["starts_on"][0]
    assert "less than or equal to 1320" in errors["months"][0]
    assert not models.HostedService.objects.exists()


def edge_world() -> dict:
    """One row of each dated model, dated on the first and last days of the range."""
    alliance = factories.AllianceFactory(starts_on=EARLIEST_DATE, ends_on=LATEST_DATE)
    notice = factories.TerminationNoticeFactory(alliance=alliance, served_on=EARLIEST_DATE, effective_on=LATEST_DATE)
    settlement = factories.SettlementFactory(alliance=alliance, agreed_on=EARLIEST_DATE, cash_amount=Money("2", "GBP"))
    first = factories.InstalmentFactory(settlement=settlement, number=1, due_on=EARLIEST_DATE, amount=Money("1", "GBP"))
    last = factories.InstalmentFactory(settlement=settlement, number=2, due_on=LATEST_DATE, amount=Money("1", "GBP"))
    payment = factories.PaymentFactory(instalment=first, paid_on=EARLIEST_DATE)
    factories.PaymentFactory(instalment=last, paid_on=LATEST_DATE)
    revision = models.ScheduleRevision.objects.create(
        settlement=settlement, sequence=1, revised_on=LATEST_DATE, reason="Edge", decision_reference="Minute 1"
    )
    hosted = factories.HostedServiceFactory(alliance=alliance, starts_on=date(2099, 4, 1), months=12)
    assert hosted.ends_on == LATEST_DATE
    return {
        models.Alliance: alliance,
        models.TerminationNotice: notice,
        models.Settlement: settlement,
        models.ScheduleRevision: revision,
        models.Instalment: first,
        models.Payment: payment,
        models.HostedService: hosted,
    }


PAGES = [
    ("dashboard", {}),
    ("dashboard", {"as_of": "01/04/1990"}),
    ("dashboard", {"as_of": "31/03/2100"}),
    ("instalments_due", {}),
    ("instalments_due", {"as_of": "2100-03-31", "from": "01/04/1990", "to": "31/03/2100"}),
    ("instalments_due", {"as_of": "31/03/2100", "format": "csv"}),
    ("instalments_due", {"as_of": "31/03/2100", "format": "xlsx"}),
    ("instalments_due", {"fy": "2099/00"}),
    ("year_end", {"fy": "2099/00"}),
    ("year_end", {"fy": "1990/91", "format": "csv"}),
    ("year_end", {"fy": "2099/00", "format": "xlsx"}),
    ("hosted_services", {"as_of": "31/03/2100"}),
    ("hosted_services", {"as_of": "01/04/1990"}),
    ("recent_changes", {"date_from": "01/04/1990", "date_to": "31/03/2100"}),
]


ADMIN_LISTS = [
    (models.Alliance, "starts_on"),
    (models.TerminationNotice, "served_on"),
    (models.Settlement, "agreed_on"),
    (models.ScheduleRevision, "revised_on"),
    (models.Instalment, "due_on"),
    (models.Payment, "paid_on"),
    (models.HostedService, "starts_on"),
]


@pytest.mark.django_db
def test_rows_at_both_ends_of_the_range_break_no_page(admin_client):
    edge_world()
    for name, params in PAGES:
        response = admin_client.get(reverse(name), params)
        assert response.status_code == 200, (name, params)
    for model, hierarchy in ADMIN_LISTS:
        assert admin_client.get(admin_url(model, "changelist")).status_code == 200
        assert admin_client.get(admin_url(model, "changelist"), {f"{hierarchy}__year": "2100"}).status_code == 200
    for model in [models.Settlement, models.Instalment, models.Payment]:
        assert admin_client.get(admin_url(model, "changelist"), {"fy": "2099/00"}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("year_end", {"fy": "9998/99"}),
        ("dashboard", {"as_of": "31/12/9999"}),
        ("instalments_due", {"from": "01/01/1850"}),
        ("hosted_services", {"as_of": "01/04/2100"}),
        ("recent_changes", {"date_from": "31/12/9999"}),
    ],
)
def test_a_filter_outside_the_range_is_a_clear_message(admin_client, name, params):
    response = admin_client.get(reverse(name), params)
    assert response.status_code in {200, 400}
    assert ("outside the dates this system takes" in response.text) or ("outside the years" in response.text)


@pytest.mark.django_db
@pytest.mark.parametrize("export", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("year_end", {"fy": "9998/99"}),
        ("instalments_due", {"as_of": "31/12/9999"}),
        ("instalments_due", {"to": "1850-01-01"}),
    ],
)
def test_an_export_filtered_outside_the_range_is_a_400_that_says_why(admin_client, export, name, params):
    response = admin_client.get(reverse(name), {**params, "format": export})
    assert response.status_code == 400
    assert "outside" in response.content.decode()


@pytest.mark.django_db
def test_the_digest_refuses_a_date_outside_the_range():
    with pytest.raises(CommandError, match="Enter a date from 01/04/1990"):
        call_command("send_due_digest", "--as-of", "31/12/9999")
    with pytest.raises(CommandError, match="--days must be from 0 to 3660"):
        call_command("send_due_digest", "--days", "100000000")
