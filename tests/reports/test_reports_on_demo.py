"""The dashboard and exports on the demo data, checked against sums made here from the rows themselves."""

import copy
import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from settlements.fiscal import FinancialYear
from settlements.models import Instalment, Payment
from tests.built_once import built_once

demo = pytest.importorskip("settlements.demo", reason="the demo data is loaded by settlements.demo")

pytestmark = pytest.mark.django_db

TODAY = date.today()


def load_demo_rows():
    demo.load_demo(TODAY)
    instalments = list(Instalment.objects.filter(superseded_by__isnull=True).select_related("settlement"))
    payments = list(Payment.objects.all())
    assert instalments and payments
    return instalments, payments


@pytest.fixture(scope="module")
def demo_rows_built_once(django_db_setup, django_db_blocker):
    yield from built_once(django_db_blocker, load_demo_rows)


@pytest.fixture
def demo_rows(demo_rows_built_once, db):
    return copy.deepcopy(demo_rows_built_once)


def paid(instalment, payments, as_of: date) -> Decimal:
    return sum(
        (-p.amount.amount if p.kind == "reversal" else p.amount.amount)
        for p in payments
        if p.instalment_id == instalment.pk and p.paid_on <= as_of
    ) or Decimal("0.00")


def test_the_dashboard_on_the_demo_data(admin_client, demo_rows):
    instalments, payments = demo_rows
    counted = [i for i in instalments if i.settlement.agreed_on <= TODAY]
    [headline] = admin_client.get(reverse("dashboard")).context["board"].headlines
    assert headline.paid.amount == sum(paid(i, payments, TODAY) for i in counted)
    assert headline.outstanding.amount == sum(i.amount.amount - paid(i, payments, TODAY) for i in counted)
    overdue = [i for i in counted if i.due_on < TODAY and i.amount.amount > paid(i, payments, TODAY)]
    assert overdue, "the demo has overdue instalments"
    assert headline.overdue.amount == sum(i.amount.amount - paid(i, payments, TODAY) for i in overdue)


def test_the_due_exports_on_the_demo_data(admin_client, demo_rows):
    instalments, payments = demo_rows
    outstanding = sum(i.amount.amount - paid(i, payments, TODAY) for i in instalments)
    response = admin_client.get(reverse("instalments_due"), {"format": "csv", "include_paid": "on"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(instalments)
    assert sum(Decimal(r["outstanding"]) for r in rows) == outstanding
    response = admin_client.get(reverse("instalments_due"), {"format": "xlsx", "include_paid": "on"})
    sheet = load_workbook(io.BytesIO(response.content))["Instalments due"]
    [total] = [row for row in sheet.iter_rows() if row[0].value == "Total"]
    assert Decimal(str(total[9].value)) == outstanding
    assert Decimal(str(total[6].value)) == sum(i.amount.amount for i in instalments)


def test_the_year_end_on_the_demo_data(admin_client, demo_rows):
    instalments, payments = demo_rows
    fy = FinancialYear(2019)  # the seed settlement was agreed on 30 March 2020
    counted = [i for i in instalments if i.settlement.agreed_on <= fy.end]
    position = admin_client.get(reverse("year_end"), {"fy": str(fy)}).context["position"]
    within = sum(i.amount.amount - paid(i, payments, fy.end) for i in counted if i.due_on <= fy.next().end)
    after = sum(i.amount.amount - paid(i, payments, fy.end) for i in counted if i.due_on > fy.next().end)
    assert (position.within_12_months.amount, position.after_12_months.amount) == (within, after)
    assert position.total.amount > 0
