"""The admin tells the truth about instalments a revision replaced: never due, never overdue, never paid."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from settlements.forms import PaymentForm
from settlements.models import Instalment
from settlements.money import gbp
from settlements.services import ExplicitAmounts, reject_schedule_revision, revise_schedule
from tests.access_helpers import SUPERUSER, form_data, make_user
from tests.factories import DraftSettlementFactory, approve_revision, checker, scheduled

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = timedelta(days=1)


@pytest.fixture
def client_in(client):
    client.force_login(make_user(SUPERUSER, "officer"))
    return client


@pytest.fixture
def settlement():
    """Approved, three unpaid instalments of £100.00 due yesterday, today and tomorrow."""
    draft = DraftSettlementFactory(agreed_on=TODAY - 30 * DAY, cash_amount=gbp("300.00"))
    lines = tuple((day, gbp("100.00")) for day in (TODAY - DAY, TODAY, TODAY + DAY))
    scheduled(settlement=draft, terms=ExplicitAmounts(lines))
    return draft


def revise(settlement):
    return revise_schedule(
        settlement=settlement,
        terms=ExplicitAmounts(((TODAY + 60 * DAY, gbp("300.00")),)),
        revised_on=TODAY,
        reason="Extended",
        decision_reference="Minute 7",
    )


def instalment_list(client, query=""):
    return client.get(reverse("admin:settlements_instalment_changelist") + query).content.decode()


def statuses(client, query=""):
    """Each listed instalment's status column, keyed by its number and due date."""
    page = client.get(reverse("admin:settlements_instalment_changelist") + query)
    return {
        (row.number, row.due_on): page.context["cl"].model_admin.status(row) for row in page.context["cl"].result_list
    }


def test_before_a_revision_the_three_instalments_are_overdue_and_upcoming(client_in, settlement):
    assert statuses(client_in) == {
        (1, TODAY - DAY): "Overdue",
        (2, TODAY): "Upcoming",
        (3, TODAY + DAY): "Upcoming",
    }


def test_replaced_instalments_say_so_the_day_before_of_and_after_they_were_due(client_in, settlement):
    revision = revise(settlement)
    assert statuses(client_in) == {
        (1, TODAY - DAY): "Replaced by revision 1, awaiting approval",
        (2, TODAY): "Replaced by revision 1, awaiting approval",
        (3, TODAY + DAY): "Replaced by revision 1, awaiting approval",
        (1, TODAY + 60 * DAY): "Proposed by revision 1, awaiting approval",
    }
    approve_revision(revision)
    shown = statuses(client_in)
    assert shown == {
        (1, TODAY - DAY): "Replaced by revision 1",
        (2, TODAY): "Replaced by revision 1",
        (3, TODAY + DAY): "Replaced by revision 1",
        (1, TODAY + 60 * DAY): "Upcoming",
    }
    html = instalment_list(client_in)
    assert html.count("Replaced by revision 1</td>") == 3
    table = html.split("<tbody>")[1].split("</tbody>")[0]
    assert "Overdue" not in table and table.count("Upcoming") == 1


def test_the_status_filter_never_lists_a_replaced_instalment_as_overdue_or_upcoming(client_in, settlement):
    approve_revision(revise(settlement))
    assert statuses(client_in, "?status=overdue") == {}
    assert statuses(client_in, "?status=upcoming") == {(1, TODAY + 60 * DAY): "Upcoming"}
    assert set(statuses(client_in, "?status=replaced")) == {(1, TODAY - DAY), (2, TODAY), (3, TODAY + DAY)}


def test_an_instalment_of_a_rejected_revision_says_it_was_withdrawn(client_in, settlement):
    revision = revise(settlement)
    reject_schedule_revision(revision=revision, rejected_by=checker(), reason="Not agreed")
    assert statuses(client_in) == {
        (1, TODAY - DAY): "Overdue",
        (2, TODAY): "Upcoming",
        (3, TODAY + DAY): "Upcoming",
        (1, TODAY + 60 * DAY): "Withdrawn: revision 1 was rejected",
    }


def test_the_settlements_schedule_shows_what_was_replaced_and_by_which_revision(client_in, settlement):
    approve_revision(revise(settlement))
    page = client_in.get(reverse("admin:settlements_settlement_change", args=[settlement.pk]))
    formset = next(f for f in page.context["inline_admin_formsets"] if f.formset.prefix == "instalments")
    shown = {
        (form.instance.number, form.instance.due_on): formset.opts.status(form.instance) for form in formset.formset
    }
    assert shown == {
        (1, TODAY - DAY): "Replaced by revision 1",
        (2, TODAY): "Replaced by revision 1",
        (3, TODAY + DAY): "Replaced by revision 1",
        (1, TODAY + 60 * DAY): "Upcoming",
    }
    assert page.content.decode().count("Replaced by revision 1") >= 3


def test_a_save_of_the_settlement_with_replaced_instalments_still_adds_up(client_in, settlement):
    approve_revision(revise(settlement))
    url = reverse("admin:settlements_settlement_change", args=[settlement.pk])
    data = form_data(client_in.get(url))
    data["notes"] = "Filed with the board papers"
    response = client_in.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    settlement.refresh_from_db()
    assert settlement.notes == "Filed with the board papers"


def test_the_payment_page_offers_only_instalments_that_can_be_paid(client_in, settlement):
    draft = DraftSettlementFactory(cash_amount=gbp("50.00"))
    Instalment.objects.create(settlement=draft, number=1, due_on=draft.agreed_on, amount=gbp("50.00"))
    revision = revise(settlement)
    choices = {i.pk for i in PaymentForm().fields["instalment"].queryset}
    kept = set(settlement.instalments.filter(introduced_by=None, superseded_by=None).values_list("pk", flat=True))
    assert choices == kept == set()
    approve_revision(revision)
    choices = {i.pk for i in PaymentForm().fields["instalment"].queryset}
    assert choices == set(revision.introduced_instalments.values_list("pk", flat=True))
    page = client_in.get(reverse("admin:settlements_payment_add")).content.decode()
    for replaced in revision.superseded_instalments.all():
        assert f'value="{replaced.pk}"' not in page


def test_a_replaced_instalments_page_offers_no_payment(client_in, settlement):
    approve_revision(revise(settlement))
    replaced = settlement.instalments.replaced().first()
    current = settlement.instalments.current().get()
    record = reverse("admin:settlements_payment_add")
    page = client_in.get(reverse("admin:settlements_instalment_change", args=[replaced.pk])).content.decode()
    assert f"{record}?instalment=" not in page
    assert "Replaced by revision 1" in page
    page = client_in.get(reverse("admin:settlements_instalment_change", args=[current.pk])).content.decode()
    assert f"{record}?instalment={current.pk}" in page
