"""The weekly digest: instalments due soon and overdue, emailed to a group's users with the CSV attached."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import CommandError, call_command

from tests import factories
from tests.scenarios import gbp

pytestmark = pytest.mark.django_db

TODAY = date(2021, 3, 31)


@pytest.fixture
def editors(django_user_model):
    group = Group.objects.get(name="finance_editor")
    with_email = django_user_model.objects.create_user("fiona", "fiona@example.police.uk", "a-long-password-1")
    without_email = django_user_model.objects.create_user("noemail", "", "a-long-password-2")
    outsider = django_user_model.objects.create_user("other", "other@example.police.uk", "a-long-password-3")
    group.user_set.add(with_email, without_email)
    return with_email, outsider


@pytest.fixture
def instalments():
    settlement = factories.SettlementFactory()

    def instalment(number, days, amount="1000.00"):
        return factories.InstalmentFactory(
            settlement=settlement, number=number, due_on=TODAY + timedelta(days), amount=gbp(amount)
        )

    rows = {
        "overdue": instalment(1, -10, "1234.56"),
        "overdue_paid": instalment(2, -5),
        "today": instalment(3, 0, "200.01"),
        "in_30_days": instalment(4, 30, "300.02"),
        "in_31_days": instalment(5, 31),
        "soon_part_paid": instalment(6, 7, "500.00"),
    }
    factories.PaymentFactory(instalment=rows["overdue_paid"], paid_on=TODAY - timedelta(3))
    factories.PaymentFactory(instalment=rows["soon_part_paid"], paid_on=TODAY, amount=gbp("100.00"))
    return rows


def send(*args):
    out = io.StringIO()
    call_command("send_due_digest", "--as-of", TODAY.isoformat(), *args, stdout=out)
    return out.getvalue()


def test_the_digest_goes_to_the_group_members_with_an_email(editors, instalments):
    send("--days", "30")
    [message] = mail.outbox
    assert message.to == ["fiona@example.police.uk"]
    assert "1 overdue" in message.subject and "3 due in the next 30 days" in message.subject


def test_the_digest_lists_overdue_and_due_within_the_days_with_the_csv(editors, instalments):
    send("--days", "30")
    [message] = mail.outbox
    [(filename, content, mimetype)] = message.attachments
    assert filename == "instalments-due-2021-03-31.csv" and mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(content.removeprefix("\ufeff"))))
    expected = [instalments[k] for k in ["overdue", "today", "soon_part_paid", "in_30_days"]]
    assert [(r["instalment"], r["due_on"]) for r in rows] == [(str(i.number), i.due_on.isoformat()) for i in expected]
    outstanding = {"soon_part_paid": Decimal("400.00")}
    total = sum(
        outstanding.get(k, instalments[k].amount.amount) for k in ["overdue", "today", "soon_part_paid", "in_30_days"]
    )
    assert sum(Decimal(r["outstanding"]) for r in rows) == total
    assert "£1,234.56 outstanding" in message.body
    assert "31/03/2021" in message.body or "31 March 2021" in message.body


def test_the_number_of_days_is_respected(editors, instalments):
    send("--days", "0")
    [message] = mail.outbox
    content = message.attachments[0][1]
    assert instalments["today"].due_on.isoformat() in content
    assert instalments["soon_part_paid"].due_on.isoformat() not in content


def test_another_group_can_be_chosen(django_user_model, instalments):
    managers = Group.objects.create(name="finance_manager")
    managers.user_set.add(django_user_model.objects.create_user("mo", "mo@example.police.uk", "a-long-password-4"))
    send("--group", "finance_manager")
    assert mail.outbox[0].to == ["mo@example.police.uk"]


def test_an_unknown_group_is_an_error(instalments):
    with pytest.raises(CommandError, match="no group called"):
        send("--group", "nobody")


def test_nothing_is_sent_when_nobody_has_an_email(django_user_model, instalments):
    Group.objects.get(name="finance_editor").user_set.add(django_user_model.objects.create_user("x", ""))
    assert "nothing sent" in send()
    assert mail.outbox == []
