"""Record a payment in the admin: from the instalment's row, offering only what can still be paid."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import html as lxml_html

from settlements import roles, services
from settlements.models import Payment
from settlements.money import gbp
from tests.access_helpers import make_user
from tests.factories import DraftSettlementFactory, approve, checker

pytestmark = pytest.mark.django_db

ADD = "admin:settlements_payment_add"


@pytest.fixture
def editor(client):
    user = make_user(roles.FINANCE_EDITOR)
    client.force_login(user)
    return user


def explicit(*lines):
    return services.ExplicitAmounts(tuple((due_on, gbp(amount)) for due_on, amount in lines))


@pytest.fixture
def books(editor):
    """An approved schedule: the first instalment paid, the second part paid, the third replaced by a revision
    (approved) whose new instalment is unpaid; a pending revision's instalment; and a draft's instalment."""
    settlement = DraftSettlementFactory(cash_amount=gbp("3000.00"), agreed_on=date(2020, 3, 30))
    paid, part, replaced = services.confirm_schedule(
        settlement=settlement,
        terms=explicit((date(2020, 4, 30), "1000.00"), (date(2020, 5, 31), "1000.00"), (date(2020, 6, 30), "1000.00")),
    )
    approve(settlement)
    services.record_payment(instalment=paid, amount=gbp("1000.00"), paid_on=date(2020, 4, 30), reference="A1")
    services.record_payment(instalment=part, amount=gbp("250.50"), paid_on=date(2020, 5, 31), reference="A2")
    revision = services.revise_schedule(
        settlement=settlement,
        terms=explicit((date(2020, 9, 30), "1000.00")),
        revised_on=date(2020, 6, 1),
        reason="Moved",
        decision_reference="Minute 1",
        created_by=editor,
    )
    services.approve_schedule_revision(revision=revision, approved_by=checker())
    [moved] = revision.introduced_instalments.all()
    pending = services.revise_schedule(
        settlement=settlement,
        terms=explicit((date(2020, 12, 31), "1000.00")),
        revised_on=date(2020, 7, 1),
        reason="Moved again",
        decision_reference="Minute 2",
        created_by=editor,
    )
    draft = DraftSettlementFactory(cash_amount=gbp("500.00"), agreed_on=date(2020, 3, 30))
    [drafted] = services.confirm_schedule(settlement=draft, terms=explicit((date(2020, 4, 30), "500.00")))
    return {
        "paid": paid,
        "part": part,
        "replaced": replaced,
        "moved": moved,
        "pending": pending.introduced_instalments.get(),
        "drafted": drafted,
    }


def offered(response) -> list[str]:
    tree = lxml_html.fromstring(response.content.decode())
    return [value for value in tree.xpath("//select[@name='instalment']/option/@value") if value]


def test_only_unpaid_instalments_of_the_schedule_in_force_are_offered(client, books):
    response = client.get(reverse(ADD))
    # The moved instalment awaits a pending revision that would replace it: payments on it are refused until then.
    assert offered(response) == [str(books["part"].pk)]


def test_an_unpaid_instalment_of_an_approved_revision_is_offered(client, books):
    services.reject_schedule_revision(revision=books["pending"].introduced_by, rejected_by=checker(), reason="No")
    assert offered(client.get(reverse(ADD))) == [str(books["part"].pk), str(books["moved"].pk)]


def test_the_page_shows_the_chosen_instalments_due_date_and_balances(client, books):
    response = client.get(reverse(ADD), {"instalment": books["part"].pk})
    tree = lxml_html.fromstring(response.content.decode())
    [summary] = tree.xpath("//div[contains(@class, 'instalment-summary')]")
    pairs = [f"{div.findtext('dt')} {div.xpath('string(dd)')}" for div in summary.xpath(".//dl/div")]
    assert pairs == ["Due on 31/05/2020", "Amount £1,000.00", "Paid £250.50", "Outstanding £749.50"]
    [chosen] = tree.xpath("//select[@name='instalment']/option[@selected]")
    assert "due 31/05/2020, £749.50 outstanding of £1,000.00" in chosen.text_content()
    assert reverse("settlement", args=[books["part"].settlement_id]) in response.content.decode()


def test_a_paid_instalment_asked_for_is_shown_as_paid_and_not_offered(client, books):
    response = client.get(reverse(ADD), {"instalment": books["paid"].pk})
    assert "This instalment is paid in full: nothing more can be recorded against it." in response.content.decode()
    assert str(books["paid"].pk) not in offered(response)


def test_the_amount_has_no_placeholder_that_looks_filled_in(client, books):
    tree = lxml_html.fromstring(client.get(reverse(ADD)).content.decode())
    [amount] = tree.xpath("//input[@name='amount']")
    assert amount.get("placeholder") is None and amount.get("value") is None


def post(client, instalment, reference="BACS-9", amount="749.50"):
    data = {"instalment": instalment.pk, "paid_on": "01/06/2020", "amount": amount, "reference": reference}
    return client.post(reverse(ADD), data, follow=True)


def messages_of(response) -> list[str]:
    """What Record payment said (the instalment's page it leads to may add its own notes)."""
    return [str(message) for message in response.context["messages"]][:1]


def test_a_new_payment_says_recorded(client, books):
    response = post(client, books["part"])
    assert messages_of(response) == ["Payment BACS-9 of £749.50 recorded."]
    assert Payment.objects.filter(reference="BACS-9").count() == 1


def test_the_same_payment_sent_again_says_nothing_new_was_recorded(client, editor, books):
    post(client, books["part"])
    payment = Payment.objects.get(reference="BACS-9")
    response = post(client, books["part"])  # the instalment is paid now: it is no longer offered, yet accepted
    recorded_on = timezone.localtime(payment.recorded_at).strftime("%d/%m/%Y")
    assert messages_of(response) == [
        f"Payment BACS-9 of £749.50, paid on 01/06/2020, was already recorded on {recorded_on} by "
        f"{editor.get_username()}; nothing new was recorded."
    ]
    assert Payment.objects.filter(reference="BACS-9").count() == 1


def test_a_paid_instalment_sent_with_a_new_reference_is_refused(client, books):
    response = post(client, books["paid"], reference="BACS-10", amount="1.00")
    assert "£1.00 is more than the £0.00 outstanding on instalment 1." in response.content.decode()
    assert not Payment.objects.filter(reference="BACS-10").exists()


def test_a_replaced_instalment_is_refused(client, books):
    response = post(client, books["replaced"], reference="BACS-11", amount="1.00")
    assert "Select a valid choice" in response.content.decode()


def test_record_payment_once_says_whether_it_recorded(books):
    arguments = {"instalment": books["part"], "amount": gbp("1.00"), "paid_on": date(2020, 6, 1), "reference": "X1"}
    assert services.record_payment_once(**arguments).created is True
    again = services.record_payment_once(**arguments)
    assert (again.created, again.payment.reference) == (False, "X1")
    assert services.record_payment(**arguments) == again.payment


def test_the_instalment_list_has_record_payment_on_unpaid_rows_for_an_editor_only(client, books):
    response = client.get(reverse("admin:settlements_instalment_changelist"))
    add = reverse(ADD)
    content = response.content.decode()
    assert f"{add}?instalment={books['part'].pk}" in content
    for name in ("paid", "replaced", "moved", "pending", "drafted"):
        assert f'{add}?instalment={books[name].pk}"' not in content
    client.force_login(make_user(roles.VIEWER))
    assert "Record payment" not in client.get(reverse("admin:settlements_instalment_changelist")).content.decode()


def test_the_settlement_admin_links_to_the_settlement_page_and_records_from_its_schedule(client, books):
    settlement = books["part"].settlement
    page = reverse("settlement", args=[settlement.pk])
    assert page in client.get(reverse("admin:settlements_settlement_changelist")).content.decode()
    content = client.get(reverse("admin:settlements_settlement_change", args=[settlement.pk])).content.decode()
    assert page in content
    assert f"{reverse(ADD)}?instalment={books['part'].pk}" in content
    assert f'{reverse(ADD)}?instalment={books["paid"].pk}"' not in content
