"""One field template for every form: labels, hints, errors and groups tied to their fields; error pages say so."""

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.forms.renderers import get_default_renderer
from django.test import Client
from django.urls import reverse

from settlements.filters import DueFilterForm
from settlements.forms import ScheduleTermsForm
from settlements.models import Settlement
from tests import factories

pytestmark = pytest.mark.django_db


class _Page(HTMLParser):
    """The ids, references, labels, fieldsets and title of a page."""

    def __init__(self):
        super().__init__()
        self.ids, self.described_by, self.labelled_for = set(), [], set()
        self.controls, self.tags, self.title = [], [], ""
        self._in_title = False
        self._open_fieldsets: list[dict] = []
        self.fieldsets: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if a.get("id"):
            self.ids.add(a["id"])
        if a.get("aria-describedby"):
            self.described_by.append((tag, a.get("id"), a["aria-describedby"]))
        if tag == "label" and a.get("for"):
            self.labelled_for.add(a["for"])
        if tag in {"input", "select", "textarea"} and a.get("type") not in {"hidden", "submit", "button"}:
            self.controls.append(a)
            for fieldset in self._open_fieldsets:
                fieldset["controls"].append(a)
        if tag == "fieldset":
            self._open_fieldsets.append({"attrs": a, "legend": "", "controls": [], "_legend": False})
        if tag == "legend" and self._open_fieldsets:
            self._open_fieldsets[-1]["_legend"] = True
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        if tag == "fieldset" and self._open_fieldsets:
            self.fieldsets.append(self._open_fieldsets.pop())
        if tag == "legend" and self._open_fieldsets:
            self._open_fieldsets[-1]["_legend"] = False
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self._open_fieldsets and self._open_fieldsets[-1]["_legend"]:
            self._open_fieldsets[-1]["legend"] += data


def read(response) -> _Page:
    page = _Page()
    page.feed(response.content.decode())
    return page


def assert_fields_are_tied(response):
    """Every aria-describedby points at ids on the page; every visible control has a label or a name."""
    page = read(response)
    for tag, element_id, refs in page.described_by:
        missing = [ref for ref in refs.split() if ref not in page.ids]
        assert not missing, f"<{tag} id={element_id}> is described by ids that do not exist: {missing}"
    for control in page.controls:
        named = control.get("id") in page.labelled_for or control.get("aria-label") or control.get("aria-labelledby")
        assert named, f"{control} has no label"
    return page


@pytest.fixture
def settlement():
    return factories.SettlementFactory(status=Settlement.Status.DRAFT)


def front_end_pages(settlement):
    return [
        reverse("dashboard"),
        reverse("instalments_due"),
        reverse("instalments_due") + "?fy=2020/22&from=2020-02-31&status=late",
        reverse("year_end"),
        reverse("year_end") + "?fy=1900/01",
        reverse("hosted_services"),
        reverse("hosted_services") + "?as_of=tomorrow",
        reverse("recent_changes"),
        reverse("recent_changes") + "?date_from=31/03/2021&date_to=01/03/2021",
        reverse("password_change"),
        reverse("admin:settlements_settlement_generate_schedule", args=[settlement.pk]),
        reverse("admin:settlements_settlement_revise_schedule", args=[settlement.pk]),
        reverse("admin:settlements_payment_add"),
    ]


def test_the_site_form_renderer_draws_every_field_with_the_site_field_template():
    assert settings.FORM_RENDERER == "alliance.renderers.FormRenderer"
    html = DueFilterForm({"as_of": "31/02/2021"})["as_of"].as_field_group()
    assert '<label for="id_as_of">As of</label>' in html
    assert 'id="id_as_of_helptext"' in html and 'id="id_as_of_error"' in html
    assert 'aria-describedby="id_as_of_helptext id_as_of_error"' in html
    assert get_default_renderer().field_template_name == "forms/field.html"


def test_every_form_page_ties_its_hints_and_errors_to_fields_that_exist(admin_client, settlement):
    for url in front_end_pages(settlement):
        response = admin_client.get(url)
        assert response.status_code in {200, 400}, url
        assert_fields_are_tied(response)


def test_the_sign_in_and_password_reset_pages_use_the_field_template(client):
    login = assert_fields_are_tied(client.get(reverse("login")))
    assert {c.get("id") for c in login.controls} == {"id_username", "id_password"}
    assert_fields_are_tied(client.get(reverse("password_reset")))


def test_the_password_change_hint_is_the_one_its_field_points_at(admin_client):
    page = read(admin_client.get(reverse("password_change")))
    [(_, _, refs)] = [d for d in page.described_by if d[1] == "id_new_password1"]
    assert refs == "id_new_password1_helptext"
    assert "id_new_password1_helptext" in page.ids


def test_the_recent_changes_from_hint_is_shown(admin_client):
    response = admin_client.get(reverse("recent_changes"))
    assert 'id="id_date_from_helptext"' in response.text
    assert "For example 31/03/2021." in response.text


def test_the_generate_schedule_method_is_a_fieldset_with_a_legend(admin_client, settlement):
    page = read(admin_client.get(reverse("admin:settlements_settlement_generate_schedule", args=[settlement.pk])))
    [method] = [f for f in page.fieldsets if any(c.get("name") == "method" for c in f["controls"])]
    assert method["legend"].strip() == "Method"
    assert {c["value"] for c in method["controls"]} == {ScheduleTermsForm.EVEN, ScheduleTermsForm.EXPLICIT}


def test_the_due_report_status_boxes_are_a_fieldset_with_a_legend(admin_client):
    page = read(admin_client.get(reverse("instalments_due")))
    [status] = [f for f in page.fieldsets if any(c.get("name") == "status" for c in f["controls"])]
    assert status["legend"].strip() == "Status"
    assert len(status["controls"]) == 4


@pytest.mark.parametrize(
    "url",
    [
        "/reports/instalments-due/?from=2021-02-31",
        "/reports/year-end/?fy=2020/22",
        "/reports/hosted-services/?as_of=yesterday",
        "/?as_of=31-03-2021",
        "/audit/recent-changes/?date_from=31/03/2021&date_to=01/03/2021",
    ],
)
def test_a_page_with_errors_says_so_in_its_title_and_starts_at_the_error_summary(admin_client, url):
    page = read(admin_client.get(url))
    assert page.title.startswith("Error: ")
    [summary] = [a for tag, a in page.tags if "error-summary" in a.get("class", "")]
    assert "autofocus" in summary and summary["tabindex"] == "-1"
    assert next(a for _, a in page.tags if "autofocus" in a) is summary, "the summary is the first thing focused"


def test_a_page_without_errors_has_a_plain_title_and_no_error_summary(admin_client):
    page = read(admin_client.get("/reports/instalments-due/?from=2021-02-28"))
    assert page.title.startswith("Instalments due ")
    assert not [a for _, a in page.tags if "error-summary" in a.get("class", "")]


def test_a_failed_sign_in_starts_at_the_error_summary(db, django_user_model):
    django_user_model.objects.create_user("fiona", password="a-long-enough-password")
    response = Client().post(reverse("login"), {"username": "fiona", "password": "wrong"})
    page = read(response)
    assert page.title.startswith("Error: Sign in")
    assert "Your user name and password did not match. Try again." in response.text
    assert next(a for _, a in page.tags if "autofocus" in a)["class"] == "error-summary"


def test_an_admin_schedule_page_with_errors_says_so_in_its_title(admin_client, settlement):
    url = reverse("admin:settlements_settlement_generate_schedule", args=[settlement.pk])
    response = admin_client.post(url, {"method": "even", "funding_source": "not_recorded", "preview": "Preview"})
    page = assert_fields_are_tied(response)
    assert page.title.startswith("Error: Generate schedule")
    assert 'href="#id_count"' in response.text


def test_the_adjustment_rows_and_amount_boxes_of_a_settlement_are_named(admin_client, settlement):
    factories.SettlementAdjustmentFactory(settlement=settlement)
    response = admin_client.get(reverse("admin:settlements_settlement_change", args=[settlement.pk]))
    page = assert_fields_are_tied(response)
    names = {c.get("id"): c.get("aria-label") for c in page.controls}
    assert names["id_adjustments-0-description"] == "Settlement adjustment 1: Description"
    assert names["id_adjustments-0-kind"] == "Settlement adjustment 1: Kind"
    assert names["id_adjustments-0-amount_0"] == "Settlement adjustment 1: Amount"
    assert names["id_adjustments-0-amount_1"] == "Settlement adjustment 1: Amount: currency"
    assert names["id_adjustments-0-DELETE"] == "Settlement adjustment 1: Delete"
    assert names["id_cash_amount_0"] == "Cash amount"
    assert names["id_cash_amount_1"] == "Cash amount: currency"


def test_every_header_cell_of_an_inline_has_text(admin_client, settlement):
    factories.SettlementAdjustmentFactory(settlement=settlement)
    html = admin_client.get(reverse("admin:settlements_settlement_change", args=[settlement.pk])).text
    assert "<th></th>" not in html and '<th class="original"></th>' not in html
    assert '<span class="visually-hidden">Record</span>' in html
