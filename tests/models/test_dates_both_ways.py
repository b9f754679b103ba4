"""Every date box, in the site's forms, the admin and the report filters, takes 31/03/2021 and 2021-03-31 alike."""

from datetime import date

import pytest
from django import forms as django_forms
from django.urls import reverse

from settlements import filters, forms
from settlements.views.audit import RecentChangesFilter
from tests import factories

pytestmark = pytest.mark.django_db

DAY = date(2021, 3, 31)
WRITTEN = ["31/03/2021", "2021-03-31"]
FORMS = [
    forms.ScheduleTermsForm,
    forms.RevisionForm,
    forms.PaymentForm,
    forms.ReversalForm,
    filters.DueFilterForm,
    filters.DashboardFilterForm,
    filters.HostedFilterForm,
    RecentChangesFilter,
]


def date_fields(form: django_forms.BaseForm) -> dict:
    return {name: field for name, field in form.fields.items() if isinstance(field, django_forms.DateField)}


@pytest.mark.parametrize("form_class", FORMS, ids=lambda form_class: form_class.__name__)
@pytest.mark.parametrize("text", WRITTEN)
def test_every_date_field_of_the_sites_forms_reads_both_ways(form_class, text):
    fields = date_fields(form_class())
    assert fields, f"{form_class.__name__} has no date field"
    for name, field in fields.items():
        assert field.clean(text) == DAY, name


ADMIN_ADD_PAGES = {
    "alliance": ["starts_on", "ends_on"],
    "terminationnotice": ["served_on", "effective_on"],
    "settlement": ["agreed_on"],
    "instalment": ["due_on"],
    "hostedservice": ["starts_on"],
}


@pytest.mark.parametrize(("model", "names"), ADMIN_ADD_PAGES.items())
@pytest.mark.parametrize("text", WRITTEN)
def test_every_date_field_of_the_admin_reads_both_ways(admin_client, model, names, text):
    form = admin_client.get(reverse(f"admin:settlements_{model}_add")).context["adminform"].form
    assert set(names) <= set(date_fields(form))
    for name, field in date_fields(form).items():
        assert field.clean(text) == DAY, name


def test_a_report_filter_gives_the_same_report_either_way(admin_client):
    factories.InstalmentFactory(due_on=date(2021, 3, 31))
    factories.InstalmentFactory(due_on=date(2021, 4, 1))
    pages = [
        admin_client.get(reverse("instalments_due"), {"as_of": text, "from": text, "to": text, "include_paid": "on"})
        for text in WRITTEN
    ]
    assert [page.status_code for page in pages] == [200, 200]
    assert [[row.due_on for row in page.context["page"]] for page in pages] == [[DAY], [DAY]]
    assert pages[0].context["filters"] == pages[1].context["filters"]
    assert ("As of", "31/03/2021") in pages[1].context["filters"].describe()
