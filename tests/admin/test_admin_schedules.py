import re
from datetime import date

import pytest
from django.urls import reverse

from settlements.models import Instalment, Payment, ScheduleRevision
from settlements.money import gbp
from settlements.services import EvenSplit, confirm_schedule, record_payment
from tests.factories import DraftSettlementFactory, PaymentFactory, SettlementFactory, scheduled

pytestmark = pytest.mark.django_db


@pytest.fixture
def settlement():
    return DraftSettlementFactory(cash_amount=gbp("10500000.00"))


def generate_url(settlement):
    return reverse("admin:settlements_settlement_generate_schedule", args=[settlement.pk])


def revise_url(settlement):
    return reverse("admin:settlements_settlement_revise_schedule", args=[settlement.pk])


EVEN = {"method": "even", "count": "3", "every_months": "6", "first_due_on": "30/04/2020", "lines": ""}
EVEN |= {"funding_source": "reserves_and_efficiencies", "reserve_name": ""}


def test_the_settlement_page_links_to_generate_on_a_draft_and_to_revise_once_approved(admin_client, settlement):
    page = admin_client.get(reverse("admin:settlements_settlement_change", args=[settlement.pk]))
    assert generate_url(settlement) in page.content.decode()
    assert revise_url(settlement) not in page.content.decode()
    approved = SettlementFactory()
    page = admin_client.get(reverse("admin:settlements_settlement_change", args=[approved.pk]))
    assert revise_url(approved) in page.content.decode()
    assert generate_url(approved) not in page.content.decode()


def test_generate_previews_every_instalment_and_the_total_before_saving(admin_client, settlement):
    assert admin_client.get(generate_url(settlement)).status_code == 200
    page = admin_client.post(generate_url(settlement), {**EVEN, "preview": "Preview"})
    html = page.content.decode()
    assert page.status_code == 200
    for due, year in [("30/04/2020", "2020/21"), ("31/10/2020", "2020/21"), ("30/04/2021", "2021/22")]:
        assert f"<td>{due}</td><td>{year}</td>" in html
    assert html.count("£3,500,000.00") == 3
    assert "<strong>£10,500,000.00</strong></td></tr></tfoot>" in html
    assert not Instalment.objects.exists()


def test_confirm_saves_the_previewed_schedule(admin_client, settlement):
    preview = admin_client.post(generate_url(settlement), {**EVEN, "preview": "Preview"})
    digest = preview.context["digest"]
    page = admin_client.post(generate_url(settlement), {**EVEN, "confirm": "Confirm", "digest": digest})
    assert page.status_code == 302
    assert [(i.due_on, str(i.amount.amount)) for i in settlement.instalments.order_by("number")] == [
        (date(2020, 4, 30), "3500000.00"),
        (date(2020, 10, 31), "3500000.00"),
        (date(2021, 4, 30), "3500000.00"),
    ]


def test_confirm_of_terms_changed_since_the_preview_shows_a_new_preview(admin_client, settlement):
    preview = admin_client.post(generate_url(settlement), {**EVEN, "preview": "Preview"})
    changed = {**EVEN, "count": "4", "confirm": "Confirm", "digest": preview.context["digest"]}
    page = admin_client.post(generate_url(settlement), changed)
    assert page.status_code == 200
    assert "differs from the preview" in page.content.decode()
    assert not Instalment.objects.exists()


def test_explicit_lines_that_do_not_add_up_are_refused_on_the_form(admin_client, settlement):
    data = {**EVEN, "method": "explicit", "lines": "2020/21, £6,500,000.00\n2021/22, £3,999,999.99"}
    page = admin_client.post(generate_url(settlement), {**data, "preview": "Preview"})
    assert page.status_code == 200
    assert (
        "instalments total £10,499,999.99 against a cash amount of £10,500,000.00: £0.01 unallocated"
        in page.content.decode()
    )
    assert page.context["plan"] is None


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("2020/22, £1.00", "is not a financial year"),
        ("31/02/2021, £1.00", "neither a date like 30/04/2020 nor a financial year"),
        ("30/04/2020, £1.001", "more than two decimal places"),
        ("30/04/2020, -£5.00", "not greater than £0.00"),
        ("30/04/2020, lots", "is not an amount"),
        ("30/04/2020", "give a date or a financial year, then an amount"),
        ("", "Give at least one line"),
    ],
)
def test_malformed_lines_get_a_message_on_the_form(admin_client, settlement, lines, message):
    page = admin_client.post(generate_url(settlement), {**EVEN, "method": "explicit", "lines": lines})
    assert page.status_code == 200
    assert message in page.content.decode()


@pytest.mark.parametrize(
    ("change", "field"),
    [({"count": ""}, "count"), ({"count": "0"}, "count"), ({"first_due_on": "31/02/2020"}, "first_due_on")],
)
def test_bad_even_terms_get_a_message_on_the_form(admin_client, settlement, change, field):
    page = admin_client.post(generate_url(settlement), {**EVEN, **change})
    assert page.status_code == 200
    assert field in page.context["form"].errors


def test_more_instalments_than_pennies_is_a_form_error(admin_client):
    tiny = DraftSettlementFactory(cash_amount=gbp("0.02"))
    page = admin_client.post(generate_url(tiny), {**EVEN, "count": "3"})
    assert "less than a penny each" in page.content.decode()


def test_revise_keeps_paid_instalments_and_records_the_decision(admin_client, settlement):
    first, _, _ = scheduled(settlement=settlement, terms=EvenSplit(3, 6, date(2020, 4, 30)))
    record_payment(instalment=first, amount=gbp("3500000.00"), paid_on=date(2020, 4, 30), reference="R1")
    data = {
        **EVEN,
        "count": "4",
        "every_months": "2",
        "first_due_on": "30/11/2020",
        "revised_on": "01/09/2020",
        "reason": "Payment period extended",
        "decision_reference": "Board minute 14",
    }
    preview = admin_client.post(revise_url(settlement), data)
    assert preview.status_code == 200
    assert "<strong>£7,000,000.00</strong>" in preview.content.decode()
    assert "stays" in preview.content.decode()
    page = admin_client.post(
        revise_url(settlement), {**data, "confirm": "Confirm", "digest": preview.context["digest"]}
    )
    assert page.status_code == 302
    revision = ScheduleRevision.objects.get()
    assert (revision.reason, revision.decision_reference, revision.sequence) == (
        "Payment period extended",
        "Board minute 14",
        1,
    )
    assert revision.created_by.username == "super"
    assert settlement.instalments.current().count() == 5


def test_revise_without_a_reason_is_a_form_error(admin_client, settlement):
    scheduled(settlement=settlement, terms=EvenSplit(3, 6, date(2020, 4, 30)))
    page = admin_client.post(revise_url(settlement), {**EVEN, "revised_on": "01/09/2020", "decision_reference": "X"})
    assert "reason" in page.context["form"].errors


def test_revise_without_a_schedule_says_so(admin_client):
    data = {**EVEN, "revised_on": "01/09/2020", "reason": "R", "decision_reference": "X"}
    page = admin_client.post(revise_url(SettlementFactory()), data)
    assert "generate one first" in page.content.decode()


def change_form_data(settlement, instalments, **overrides):
    """What the settlement's change page posts back, with its instalment inline."""
    data = {
        "alliance": settlement.alliance_id,
        "payer": settlement.payer_id,
        "payee": settlement.payee_id,
        "agreed_on": "30/03/2020",
        "status": settlement.status,
        "cash_amount_0": str(settlement.cash_amount.amount),
        "cash_amount_1": "GBP",
        "full_and_final": "on",
        "adjustments-TOTAL_FORMS": "0",
        "adjustments-INITIAL_FORMS": "0",
        "instalments-TOTAL_FORMS": str(len(instalments)),
        "instalments-INITIAL_FORMS": str(len(instalments)),
        # The documents listed and the rows to upload more: none.
        "documents-TOTAL_FORMS": "0",
        "documents-INITIAL_FORMS": "0",
        "documents-2-TOTAL_FORMS": "0",
        "documents-2-INITIAL_FORMS": "0",
    }
    for n, instalment in enumerate(instalments):
        prefix = f"instalments-{n}-"
        data |= {
            f"{prefix}id": instalment.pk,
            f"{prefix}settlement": settlement.pk,
            f"{prefix}number": instalment.number,
            f"{prefix}due_on": instalment.due_on.strftime("%d/%m/%Y"),
            f"{prefix}amount_0": str(instalment.amount.amount),
            f"{prefix}amount_1": "GBP",
            f"{prefix}funding_source": instalment.funding_source,
        }
    return data | overrides


def test_the_inline_refuses_an_edit_that_breaks_the_schedule_naming_the_difference(admin_client, settlement):
    instalments = confirm_schedule(settlement=settlement, terms=EvenSplit(3, 6, date(2020, 4, 30)))
    url = reverse("admin:settlements_settlement_change", args=[settlement.pk])
    page = admin_client.post(url, change_form_data(settlement, instalments, **{"instalments-2-amount_0": "3499999.99"}))
    assert page.status_code == 200
    assert (
        "instalments total £10,499,999.99 against a cash amount of £10,500,000.00: £0.01 unallocated"
        in page.content.decode()
    )
    assert settlement.instalments.get(number=3).amount == gbp("3500000.00")


def test_the_inline_accepts_an_edit_that_still_adds_up(admin_client, settlement):
    instalments = confirm_schedule(settlement=settlement, terms=EvenSplit(3, 6, date(2020, 4, 30)))
    changes = {"instalments-1-amount_0": "3499999.99", "instalments-2-amount_0": "3500000.01"}
    page = admin_client.post(
        reverse("admin:settlements_settlement_change", args=[settlement.pk]),
        change_form_data(settlement, instalments, **changes),
    )
    assert page.status_code == 302
    assert settlement.instalments.get(number=3).amount == gbp("3500000.01")


def test_a_new_cash_amount_must_match_a_schedule_with_payments(admin_client):
    # Only a draft settlement's amount may change: an approved one's is locked.
    settlement = SettlementFactory(cash_amount=gbp("10500000.00"), status="draft")
    instalments = confirm_schedule(settlement=settlement, terms=EvenSplit(3, 6, date(2020, 4, 30)))
    PaymentFactory(instalment=instalments[0], amount=gbp("1.00"))
    data = change_form_data(settlement, instalments, cash_amount_0="10500000.01")
    page = admin_client.post(reverse("admin:settlements_settlement_change", args=[settlement.pk]), data)
    assert page.status_code == 200
    assert "against a cash amount of £10,500,000.01: £0.01 unallocated" in page.content.decode()


def test_record_a_payment_through_the_admin(admin_client, settlement):
    first, _, _ = scheduled(settlement=settlement, terms=EvenSplit(3, 6, date(2020, 4, 30)))
    add = reverse("admin:settlements_payment_add")
    assert admin_client.get(f"{add}?instalment={first.pk}").status_code == 200
    data = {"instalment": first.pk, "paid_on": "30/04/2020", "amount": "£1,000,000.00", "reference": "BACS-1"}
    assert admin_client.post(add, data).status_code == 302
    payment = Payment.objects.get()
    assert (payment.amount, payment.recorded_by.username) == (gbp("1000000.00"), "super")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"amount": "£3,500,000.01"}, "£3,500,000.01 is more than the £3,500,000.00 outstanding on instalment 1."),
        ({"amount": "0"}, "not greater than £0.00"),
        ({"amount": "1.005"}, "more than two decimal places"),
        ({"paid_on": "31/04/2020"}, "Enter a real date, for example 31/03/2021"),
        ({"reference": ""}, "This field is required."),
        ({"paid_on": "01/01/2020"}, "before the settlement was agreed"),
    ],
)
def test_bad_payments_get_a_message_on_the_form(admin_client, settlement, change, message):
    first, _, _ = scheduled(settlement=settlement, terms=EvenSplit(3, 6, date(2020, 4, 30)))
    data = {"instalment": first.pk, "paid_on": "30/04/2020", "amount": "1.00", "reference": "BACS-1", **change}
    page = admin_client.post(reverse("admin:settlements_payment_add"), data)
    assert page.status_code == 200
    assert message in page.content.decode()
    assert not Payment.objects.exists()


def test_a_reused_reference_is_a_form_error(admin_client, settlement):
    first, second, _ = scheduled(settlement=settlement, terms=EvenSplit(3, 6, date(2020, 4, 30)))
    record_payment(instalment=first, amount=gbp("1.00"), paid_on=date(2020, 4, 30), reference="BACS-1")
    data = {"instalment": second.pk, "paid_on": "30/04/2020", "amount": "1.00", "reference": "BACS-1"}
    page = admin_client.post(reverse("admin:settlements_payment_add"), data)
    assert "Reference BACS-1 is already used" in page.content.decode()


def test_payments_cannot_be_edited_or_deleted_but_can_be_reversed(admin_client, settlement):
    first, _, _ = scheduled(settlement=settlement, terms=EvenSplit(3, 6, date(2020, 4, 30)))
    payment = record_payment(instalment=first, amount=gbp("5.00"), paid_on=date(2020, 4, 30), reference="BACS-1")
    change = reverse("admin:settlements_payment_change", args=[payment.pk])
    page = admin_client.get(change)
    assert reverse("admin:settlements_payment_reverse", args=[payment.pk]) in page.content.decode()
    admin_client.post(change, {"paid_on": "01/05/2020", "amount_0": "9.00", "amount_1": "GBP", "reference": "X"})
    assert admin_client.get(reverse("admin:settlements_payment_delete", args=[payment.pk])).status_code == 403
    payment.refresh_from_db()
    assert (payment.amount, payment.reference) == (gbp("5.00"), "BACS-1")

    reverse_url = reverse("admin:settlements_payment_reverse", args=[payment.pk])
    assert admin_client.get(reverse_url).status_code == 200
    refused = admin_client.post(reverse_url, {"reversed_on": "01/05/2020", "reason": "", "reference": "REV-1"})
    assert "This field is required." in refused.content.decode()
    done = admin_client.post(reverse_url, {"reversed_on": "01/05/2020", "reason": "Paid twice", "reference": "REV-1"})
    assert done.status_code == 302
    assert payment.reversal.reason == "Paid twice"
    again = admin_client.post(reverse_url, {"reversed_on": "01/05/2020", "reason": "Again", "reference": "REV-2"})
    assert "already reversed by REV-1" in again.content.decode()


def test_the_instalment_page_shows_payments_and_links_to_record_one(admin_client, settlement):
    first, _, _ = scheduled(settlement=settlement, terms=EvenSplit(3, 6, date(2020, 4, 30)))
    record_payment(instalment=first, amount=gbp("5.00"), paid_on=date(2020, 4, 30), reference="BACS-1")
    page = admin_client.get(reverse("admin:settlements_instalment_change", args=[first.pk]))
    html = page.content.decode()
    assert "BACS-1" in html
    assert f"{reverse('admin:settlements_payment_add')}?instalment={first.pk}" in html


def test_adding_an_instalment_on_its_own_page_must_keep_the_schedule_adding_up(admin_client, settlement):
    confirm_schedule(settlement=settlement, terms=EvenSplit(3, 6, date(2020, 4, 30)))
    data = {
        "settlement": settlement.pk,
        "number": "4",
        "due_on": "30/04/2022",
        "amount_0": "1.00",
        "amount_1": "GBP",
        "funding_source": "not_recorded",
    }
    page = admin_client.post(reverse("admin:settlements_instalment_add"), data)
    assert page.status_code == 200
    assert "£0.01 over-allocated" not in page.content.decode()
    assert "£1.00 over-allocated" in page.content.decode()


def test_dates_are_read_the_uk_way_whatever_language_the_browser_asks_for(admin_client, settlement):
    data = {**EVEN, "first_due_on": "30/11/2020", "preview": "Preview"}
    page = admin_client.post(generate_url(settlement), data, HTTP_ACCEPT_LANGUAGE="en-us")
    assert page.context["form"].errors == {}
    assert page.context["plan"][0]["due_on"] == date(2020, 11, 30)


def test_the_reverse_action_opens_the_reverse_page_for_one_payment(admin_client, settlement):
    first, _, _ = scheduled(settlement=settlement, terms=EvenSplit(3, 6, date(2020, 4, 30)))
    payment = record_payment(instalment=first, amount=gbp("5.00"), paid_on=date(2020, 4, 30), reference="BACS-1")
    data = {"action": "reverse_selected", "_selected_action": [payment.pk]}
    page = admin_client.post(reverse("admin:settlements_payment_changelist"), data)
    assert page.status_code == 302
    assert page.url == reverse("admin:settlements_payment_reverse", args=[payment.pk])


def test_a_saved_instalment_keeps_its_amount_and_date_on_its_own_page(admin_client, settlement):
    first, _, _ = scheduled(settlement=settlement, terms=EvenSplit(3, 6, date(2020, 4, 30)))
    url = reverse("admin:settlements_instalment_change", args=[first.pk])
    data = {"amount_0": "1.00", "amount_1": "GBP", "due_on": "01/01/2030", "funding_source": "general_reserve"}
    data |= {"reserve_name": "", "notes": "", "payments-TOTAL_FORMS": "0", "payments-INITIAL_FORMS": "0"}
    assert admin_client.post(url, data).status_code == 302
    first.refresh_from_db()
    assert (first.amount, first.due_on, first.funding_source) == (
        gbp("3500000.00"),
        date(2020, 4, 30),
        "general_reserve",
    )


def test_the_buttons_say_what_they_do(admin_client, settlement):
    empty = admin_client.get(generate_url(settlement)).content.decode()
    assert 'value="Preview schedule"' in empty
    assert "Save this schedule" not in empty
    preview = admin_client.post(generate_url(settlement), {**EVEN, "preview": "Preview schedule"}).content.decode()
    assert 'name="confirm" value="Save this schedule"' in preview
    assert 'value="Preview"' not in preview and "CONFIRM" not in preview and 'value="Confirm"' not in preview


def test_a_month_end_first_date_previews_and_saves_month_end_dates(admin_client, settlement):
    terms = {**EVEN, "count": "3", "every_months": "6", "first_due_on": "30/09/2024"}
    preview = admin_client.post(generate_url(settlement), {**terms, "preview": "Preview schedule"})
    html = preview.content.decode()
    for due, year in [("30/09/2024", "2024/25"), ("31/03/2025", "2024/25"), ("30/09/2025", "2025/26")]:
        assert f"<td>{due}</td><td>{year}</td>" in html
    assert preview.status_code == 200 and "30/03/2025" not in html
    saved = admin_client.post(generate_url(settlement), {**terms, "confirm": "1", "digest": preview.context["digest"]})
    assert saved.status_code == 302
    assert [i.due_on for i in settlement.instalments.order_by("number")] == [
        date(2024, 9, 30),
        date(2025, 3, 31),
        date(2025, 9, 30),
    ]


def test_the_form_shows_the_chosen_methods_fields_only_with_css_alone(admin_client, settlement, settings):
    html = admin_client.get(generate_url(settlement)).content.decode()
    assert 'class="schedule-terms"' in html
    assert "<script" not in html.split('class="schedule-terms"')[1].split("</form>")[0]
    css = (settings.BASE_DIR / "static" / "css" / "admin.css").read_text()
    assert '.schedule-terms:has(input[name="method"][value="explicit"]:checked)' in css
    assert '.schedule-terms:has(input[name="method"][value="even"]:checked) .form-group:has(> [name="lines"])' in css


def test_a_new_settlement_starts_with_full_and_final_unticked(admin_client):
    page = admin_client.get(reverse("admin:settlements_settlement_add"))
    field = page.context["adminform"].form["full_and_final"]
    assert field.value() is False
    [tag] = re.findall(r'<input[^>]*name="full_and_final"[^>]*>', page.content.decode())
    assert "checked" not in tag


def test_an_existing_settlement_keeps_its_full_and_final(admin_client):
    settlement = DraftSettlementFactory(full_and_final=True)
    page = admin_client.get(reverse("admin:settlements_settlement_change", args=[settlement.pk]))
    assert page.context["adminform"].form["full_and_final"].value() is True
