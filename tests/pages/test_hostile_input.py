"""Generated hostile text posted to every form, admin change form and report filter as a signed-in editor.

Whatever is typed: never a 500, never a row written by a refused request, and every amount accepted is the
amount a person reads in what was typed. Each target draws a few dozen examples so that the module runs in
well under a minute; the cases that matter most are always drawn (explicit examples).
"""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from settlements import models, roles
from settlements.services import EvenSplit
from tests import factories
from tests.access_helpers import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

FUZZ = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)

AMOUNTS = [
    "10,50", "1,00", "1_000", "1e2", "1E3", "\uff15", "\uff11\uff12\uff13", "NaN", "Infinity", "-inf", "1E+30",
    "£10.5m", "£270k", "1,234.56", "£1,234.56", "0", "-5", "1.005", "£20bn", "£10bn", "0.01", "1234",
]  # fmt: skip
DATES = ["31/12/9999", "01/01/1850", "01/01/1800", "31/03/1990", "01/04/1990", "31/03/2100", "01/04/2100",
         "2021-03-31", "31/03/2021", "31/02/2021", "0001-01-01", "9998/99", "2020/21"]  # fmt: skip
NAMES = ['=HYPERLINK("http://x","y")', "+SUM(1)", "-1+1", "@cmd", "\t=1", "\r=1", "<script>alert(1)</script>",
         "INV-001", "inv\u2010001", "INV-001\u200b", "x" * 5000, "Zoë \u202eevil", "\x00", "' OR 1=1 --"]  # fmt: skip

text = st.one_of(
    st.sampled_from(AMOUNTS + DATES + NAMES),
    st.text(max_size=30),
    st.text(alphabet="0123456789,._£kmbne+-/ ", max_size=16),
)
amounts = st.one_of(st.sampled_from(AMOUNTS), text)
dates = st.one_of(st.sampled_from(DATES), text)


def row_counts() -> dict:
    watched = [models.Force, models.Alliance, models.Settlement, models.Instalment, models.Payment]
    return {model.__name__: model.objects.count() for model in [*watched, models.HostedService]}


def person_reads(typed: str) -> Decimal:
    """The amount a person reads in `typed`, worked out apart from the parser: thousands commas, £, k/m/bn."""
    written = typed.strip().removeprefix("£").strip()
    factor = 1
    for suffix, multiple in (("bn", 10**9), ("m", 10**6), ("k", 10**3)):
        if written.lower().endswith(suffix):
            written, factor = written[: -len(suffix)].strip(), multiple
            break
    assert written.isascii() and written.replace(",", "").replace(".", "", 1).isdigit(), typed
    whole, _, pence = written.partition(".")
    groups = whole.split(",")
    assert 1 <= len(groups[0]) <= (3 if len(groups) > 1 else len(groups[0])), typed
    assert all(len(group) == 3 for group in groups[1:]), typed
    return Decimal(f"{whole.replace(',', '')}.{pence or '0'}") * factor


@pytest.fixture
def editor(client):
    client.force_login(make_user(roles.FINANCE_EDITOR, "fuzz-editor"))
    return client


@pytest.fixture
def schedule():
    settlement = factories.DraftSettlementFactory(agreed_on=date(2020, 3, 30))
    return factories.scheduled(settlement=settlement, terms=EvenSplit(3, 6, date(2020, 4, 30)))


def post(client, url: str, data: dict):
    before = row_counts()
    response = client.post(url, data)
    assert response.status_code in {200, 302, 400, 403}, (response.status_code, data)
    if response.status_code != 302:
        assert row_counts() == before, data
    return response


@FUZZ
@given(amount=amounts, paid_on=dates, reference=text)
@example(amount="10,50", paid_on="30/04/2020", reference="INV-001")
@example(amount="£10.5k", paid_on="2020-04-30", reference="inv\u2010001")
@example(amount="1E+30", paid_on="31/12/9999", reference="INV-001\u200b")
def test_the_payment_form(editor, schedule, amount, paid_on, reference):
    before = models.Payment.objects.count()
    data = {"instalment": schedule[0].pk, "paid_on": paid_on, "amount": amount, "reference": reference}
    if post(editor, reverse("admin:settlements_payment_add"), data).status_code == 302:
        assert models.Payment.objects.count() == before + 1
        assert models.Payment.objects.latest("pk").amount.amount == person_reads(amount)


@FUZZ
@given(cash=amounts, requested=amounts, agreed_on=dates, notes=text)
@example(cash="£10.5m", requested="£270k", agreed_on="30/03/2020", notes="=1+1")
@example(cash="1_000", requested="", agreed_on="01/01/1800", notes="")
def test_the_admins_settlement_form(editor, cash, requested, agreed_on, notes):
    alliance = models.Alliance.objects.first() or factories.AllianceFactory()
    payer, payee = alliance.members.order_by("pk")
    data = {
        "alliance": alliance.pk, "payer": payer.pk, "payee": payee.pk, "agreed_on": agreed_on, "status": "draft",
        "cash_amount_0": cash, "cash_amount_1": "GBP", "requested_amount_0": requested, "requested_amount_1": "GBP",
        "recommended_amount_0": "", "recommended_amount_1": "GBP", "notes": notes,
    }  # fmt: skip
    for prefix in ["adjustments", "instalments"]:
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    if post(editor, reverse("admin:settlements_settlement_add"), data).status_code == 302:
        saved = models.Settlement.objects.latest("pk")
        assert saved.cash_amount.amount == person_reads(cash)
        if requested.strip():
            assert saved.requested_amount.amount == person_reads(requested)


@FUZZ
@given(name=text, short_name=text, starts_on=dates, value=amounts)
@example(name='=HYPERLINK("http://x","y")', short_name="+SUM(1)", starts_on="01/04/2012", value="£300m")
def test_the_admins_force_and_alliance_forms(editor, name, short_name, starts_on, value):
    post(editor, reverse("admin:settlements_force_add"), {"name": name, "short_name": short_name})
    data = {
        "name": name, "starts_on": starts_on, "value_0": value, "value_1": "GBP", "legal_basis": short_name,
        "members": [], "notices-TOTAL_FORMS": "0", "notices-INITIAL_FORMS": "0",
        "hosted_services-TOTAL_FORMS": "0", "hosted_services-INITIAL_FORMS": "0",
    }  # fmt: skip
    if post(editor, reverse("admin:settlements_alliance_add"), data).status_code == 302 and value.strip():
        assert models.Alliance.objects.latest("pk").value.amount == person_reads(value)


@FUZZ
@given(starts_on=dates, months=st.one_of(st.sampled_from(["32767", "1320", "1321", "0", "-1", "18"]), text))
@example(starts_on="31/12/9999", months="1")
@example(starts_on="01/04/2099", months="13")
def test_the_admins_hosted_service_form(editor, starts_on, months):
    alliance = models.Alliance.objects.first() or factories.AllianceFactory()
    provider, recipient = alliance.members.order_by("pk")
    data = {
        "alliance": alliance.pk, "service": "File storage", "provider": provider.pk, "recipient": recipient.pk,
        "starts_on": starts_on, "months": months, "extension_months": "0", "charging_basis": "full_cost_recovery",
        "estimated_cost_0": "", "estimated_cost_1": "GBP",
    }  # fmt: skip
    post(editor, reverse("admin:settlements_hostedservice_add"), data)


@FUZZ
@given(due_on=dates, amount=amounts)
@example(due_on="29/03/2020", amount="10500000")
def test_the_admins_instalment_form(editor, due_on, amount):
    settlement = factories.SettlementFactory(agreed_on=date(2020, 3, 30), status="draft")
    data = {
        "settlement": settlement.pk, "number": "1", "due_on": due_on, "amount_0": amount, "amount_1": "GBP",
        "funding_source": "not_recorded", "payments-TOTAL_FORMS": "0", "payments-INITIAL_FORMS": "0",
    }  # fmt: skip
    if post(editor, reverse("admin:settlements_instalment_add"), data).status_code == 302:
        saved = models.Instalment.objects.latest("pk")
        assert saved.due_on >= settlement.agreed_on
        assert saved.amount.amount == person_reads(amount)


@FUZZ
@given(when=dates, amount=amounts, method=st.sampled_from(["explicit", "even"]), count=text)
@example(when="31/12/9999", amount="£5.00", method="explicit", count="")
@example(when="30/04/2020", amount="10,50", method="explicit", count="")
@example(when="30/04/2020", amount="", method="even", count="32767")
def test_the_generate_schedule_form(editor, when, amount, method, count):
    settlement = (
        models.Settlement.objects.filter(instalments__isnull=True, status=models.Settlement.Status.DRAFT).first()
        or factories.DraftSettlementFactory()
    )
    data = {
        "method": method, "lines": f"{when}, {amount}", "count": count, "every_months": "6", "first_due_on": when,
        "funding_source": "not_recorded", "preview": "Preview",
    }  # fmt: skip
    url = reverse("admin:settlements_settlement_generate_schedule", args=[settlement.pk])
    response = post(editor, url, data)
    plan = response.context["plan"] if response.status_code == 200 else None
    if plan and method == "explicit":
        assert response.context["plan_total"] == "£10,500,000.00"


@FUZZ
@given(as_of=dates, due_from=dates, fy=dates, status=text, force=text, alliance=text, page=text)
@example(as_of="31/12/9999", due_from="01/01/1850", fy="9998/99", status="late", force="=1", alliance="x", page="-1")
def test_every_report_filter(editor, as_of, due_from, fy, status, force, alliance, page):
    filters = [
        ("dashboard", {"as_of": as_of, "force": force}),
        ("instalments_due", {"as_of": as_of, "from": due_from, "to": as_of, "fy": fy, "status": status,
                             "payer": force, "alliance": alliance, "page": page}),
        ("instalments_due", {"as_of": as_of, "from": due_from, "fy": fy, "format": "csv"}),
        ("instalments_due", {"to": due_from, "fy": fy, "format": "xlsx"}),
        ("year_end", {"fy": fy, "page": page}),
        ("year_end", {"fy": fy, "format": "csv", "table": status}),
        ("hosted_services", {"as_of": as_of, "force": force}),
    ]  # fmt: skip
    for name, params in filters:
        response = editor.get(reverse(name), params)
        assert response.status_code in {200, 400}, (name, params)
        if params.get("format") in {"csv", "xlsx"} and response.status_code == 400:
            assert response["Content-Type"].startswith("text/plain")
