"""Sign-in everywhere: every URL pattern refuses anonymous visitors, and each role reaches only its pages."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from django.utils.regex_helper import normalize

from settlements import roles
from settlements.models import Force
from tests.access_helpers import EVERYONE, NO_ROLE, PASSWORD, SUPERUSER, make_user, one_of_each_record

pytestmark = pytest.mark.django_db

OPEN_TO_ANONYMOUS = {
    "login",
    "admin:login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}
LOGIN_PATHS = ("/accounts/login/", "/admin/login/")
# Pages about a person's own sign-in, for anyone signed in whatever their role.
SIGNED_IN_ONLY = {"logout", "password_change", "password_change_done"}


def every_url_pattern(resolver=None, prefix="", namespace=""):
    """(regex of the whole path, URL name) for every pattern, descending into includes and the admin."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        regex = prefix + pattern.pattern.regex.pattern.lstrip("^").rstrip("$").removesuffix(r"\Z")
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from every_url_pattern(pattern, regex, inner)
        elif isinstance(pattern, URLPattern):
            yield regex, f"{namespace}{pattern.name}" if pattern.name else ""


def example_path(regex: str, records: dict) -> str:
    """A concrete path for a pattern, with each parameter filled from existing records."""
    model = next((name for name in records if f"settlements/{name}/" in regex), "settlement")
    history = getattr(records[model], "history", None)  # a download log entry has no history of its own
    history_id = history.first().history_id if history is not None else 1
    values = {
        "app_label": "settlements",
        "object_id": records[model].pk,
        "content_type_id": ContentType.objects.get_for_model(records[model]).pk,
        "version_id": history_id,
        "history_id": history_id,
        "pk": records["document"].pk,
        "uidb64": "MQ",
        "token": "set-password",
        "url": "nowhere/",
    }
    template, params = normalize(regex)[0]
    return "/" + template % {name: values.get(name, 1) for name in params}


@pytest.fixture
def records():
    return one_of_each_record()


def test_the_walk_finds_the_admin_the_app_and_sign_in_pages(records):
    names = {name for _, name in every_url_pattern()}
    assert {"dashboard", "recent_changes", "login", "logout", "password_change"} <= names
    assert {"admin:settlements_settlement_change", "admin:settlements_payment_history"} <= names
    assert "admin:settlements_settlement_approve" in names


def test_the_walk_fills_every_pattern_with_a_path_that_reaches_it(records):
    unreached = []
    for regex, name in every_url_pattern():
        path = example_path(regex, records)
        if name and resolve(path).view_name != name:
            unreached.append((name, path))
    assert unreached == [], "add the missing URL parameters to example_path()"


@pytest.mark.parametrize("method", ["get", "post"])
def test_every_url_refuses_an_anonymous_visitor(client, records, method):
    served = []
    for regex, name in every_url_pattern():
        if name in OPEN_TO_ANONYMOUS:
            continue
        path = example_path(regex, records)
        response = getattr(client, method)(path)
        redirected_to_login = response.status_code == 302 and response["Location"].startswith(LOGIN_PATHS)
        if not (redirected_to_login or response.status_code in (401, 403, 404, 405)):
            served.append((path, name, response.status_code))
    assert served == []


@pytest.mark.parametrize("name", ["login", "admin:login", "password_reset", "password_reset_done"])
def test_sign_in_and_password_reset_are_open_to_anonymous_visitors(client, name):
    assert client.get(reverse(name)).status_code == 200


ADMIN_MODELS = list(roles.DOMAIN_MODELS)
REPORTS = ["instalments_due", "year_end", "hosted_services"]
VIEWERS = {roles.VIEWER, roles.FINANCE_EDITOR, roles.FINANCE_APPROVER, SUPERUSER}
EDITORS = {roles.FINANCE_EDITOR, SUPERUSER}
MANAGERS = {roles.FINANCE_APPROVER, SUPERUSER}


def admin_url(model: str, page: str, obj=None) -> str:
    return reverse(f"admin:settlements_{model}_{page}", args=[obj.pk] if obj is not None else [])


# A payment is corrected by a reversal; an instalment changes only with its schedule (generate or revise).
# A settlement is withdrawn and a revision rejected, never deleted: they stay in the history.
NEVER_DELETED = {"payment", "instalment", "settlement", "schedulerevision"}
# A schedule revision is made with "Revise schedule" on its settlement's page.
ADDED_ELSEWHERE = {"schedulerevision"}


def matrix(records):
    """(url, method, roles allowed): every admin list, add, change and delete page, and the app's pages."""
    rows = []
    for model in ADMIN_MODELS:
        obj = records[model]
        # A recorded payment never changes, nor a document's file (a new version is uploaded instead).
        change_allowed = set() if model in ("payment", "document") else EDITORS
        rows += [
            (admin_url(model, "changelist"), "get", VIEWERS),
            (admin_url(model, "changelist"), "post", VIEWERS),
            (admin_url(model, "add"), "get", set() if model in ADDED_ELSEWHERE else EDITORS),
            (admin_url(model, "add"), "post", set() if model in ADDED_ELSEWHERE else EDITORS),
            (admin_url(model, "change", obj), "get", VIEWERS),
            (admin_url(model, "change", obj), "post", change_allowed),
            (admin_url(model, "history", obj), "get", VIEWERS),
            (admin_url(model, "delete", obj), "get", set() if model in NEVER_DELETED else {SUPERUSER}),
        ]
    rows += [
        (admin_url("settlement", "approve", records["settlement"]), "post", MANAGERS),
        (admin_url("schedulerevision", "approve", records["schedulerevision"]), "post", MANAGERS),
        (admin_url("settlement", "generate_schedule", records["settlement"]), "get", EDITORS),
        (admin_url("settlement", "revise_schedule", records["settlement"]), "get", EDITORS),
        (admin_url("payment", "reverse", records["payment"]), "get", EDITORS),
        (reverse("dashboard"), "get", VIEWERS),
        (reverse("dashboard"), "post", VIEWERS),
        *[(reverse(name), method, VIEWERS) for name in REPORTS for method in ("get", "post")],
        (reverse("recent_changes"), "get", MANAGERS),
        (reverse("recent_changes"), "post", MANAGERS),
    ]
    return rows


# The walk takes seconds per role: the fast loop keeps the two refused most; tests/pages/test_roles.py checks every
# role's permissions against the checks the pages use.
WALKED_IN_THE_FAST_LOOP = {roles.VIEWER, NO_ROLE}


@pytest.mark.parametrize(
    "role",
    [role if role in WALKED_IN_THE_FAST_LOOP else pytest.param(role, marks=pytest.mark.slow) for role in EVERYONE],
)
def test_each_role_gets_its_pages_and_403_for_the_rest(client, records, role):
    client.force_login(make_user(role))
    wrong = []
    for url, method, allowed in matrix(records):
        status = getattr(client, method)(url).status_code
        if (status == 403) == (role in allowed) or status >= 500:
            wrong.append((method.upper(), url, status, "allowed" if role in allowed else "forbidden"))
    assert wrong == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_every_page_outside_the_admin_refuses_a_user_without_a_role(client, records, method):
    client.force_login(make_user(NO_ROLE))
    served = []
    for regex, name in every_url_pattern():
        path = example_path(regex, records)
        if path.startswith("/admin/") or name in OPEN_TO_ANONYMOUS or name in SIGNED_IN_ONLY:
            continue
        status = getattr(client, method)(path).status_code
        if status != 403:
            served.append((path, name, status))
    assert served == []


def test_a_user_who_is_not_staff_is_sent_away_from_the_admin(client, records):
    client.force_login(make_user(roles.VIEWER, staff=False))
    response = client.get(admin_url("settlement", "changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_an_editor_adds_a_force_through_the_admin(client):
    client.force_login(make_user(roles.FINANCE_EDITOR))
    response = client.post(admin_url("force", "add"), {"name": "Dyfed-Powys Police", "short_name": "Dyfed-Powys"})
    assert response.status_code == 302
    assert Force.objects.get(short_name="Dyfed-Powys").name == "Dyfed-Powys Police"


def test_a_viewer_sees_a_record_but_cannot_save_it(client, records):
    client.force_login(make_user(roles.VIEWER))
    force = records["force"]
    response = client.post(admin_url("force", "change", force), {"name": "Renamed", "short_name": "Renamed"})
    assert response.status_code == 403
    force.refresh_from_db()
    assert force.name != "Renamed"


def test_a_user_with_no_role_is_refused_the_dashboard_with_the_403_page(client):
    client.force_login(make_user(NO_ROLE))
    response = client.get(reverse("dashboard"))
    assert response.status_code == 403
    assert b"You do not have access to this page" in response.content


ROOT = Path(__file__).resolve().parents[2]


def test_no_view_is_exempt_from_csrf():
    sources = [p for d in ("alliance", "settlements") for p in (ROOT / d).rglob("*.py")]
    assert sources
    assert [str(p) for p in sources if re.search(r"csrf_exempt", p.read_text())] == []


def refused_for_csrf(response) -> bool:
    return response.status_code == 403 and b"The form has expired" in response.content


def csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def form_posts(records):
    """Every form in the app and the admin that changes something, with data it would accept."""
    settlement, revision = records["settlement"], records["schedulerevision"]
    return [
        (reverse("logout"), {}),
        (reverse("password_change"), {}),
        (reverse("admin:password_change"), {}),
        (admin_url("force", "add"), {"name": "Dyfed-Powys Police", "short_name": "Dyfed-Powys"}),
        *[(admin_url(model, "add"), {}) for model in ADMIN_MODELS],
        *[(admin_url(model, "change", records[model]), {}) for model in ADMIN_MODELS],
        (admin_url("force", "delete", records["force"]), {"post": "yes"}),
        (admin_url("settlement", "approve", settlement), {}),
        (admin_url("schedulerevision", "approve", revision), {}),
        (admin_url("settlement", "changelist"), {"action": "approve_selected", "_selected_action": [settlement.pk]}),
        (reverse("admin:logout"), {}),
    ]


def test_every_form_refuses_a_post_without_the_csrf_token(records):
    client = csrf_client(make_user(SUPERUSER))
    accepted = [url for url, data in form_posts(records) if not refused_for_csrf(client.post(url, data))]
    assert accepted == []


@pytest.mark.parametrize(
    "url",
    [
        reverse("login"),
        reverse("admin:login"),
        reverse("password_reset"),
        reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "set-password"}),
    ],
)
def test_the_anonymous_forms_refuse_a_post_without_the_csrf_token(url):
    client = Client(enforce_csrf_checks=True)
    data = {"username": "x", "password": "y", "email": "a@b.uk", "new_password1": "z", "new_password2": "z"}
    assert refused_for_csrf(client.post(url, data))


def test_a_form_posted_with_its_csrf_token_is_accepted(records):
    client = csrf_client(make_user(SUPERUSER))
    client.get(admin_url("force", "add"))
    token = client.cookies["csrftoken"].value
    data = {"name": "Dyfed-Powys Police", "short_name": "Dyfed-Powys", "csrfmiddlewaretoken": token}
    assert client.post(admin_url("force", "add"), data).status_code == 302


# Sign-in, sign-out, password change, and the throttle on repeated failures


def sign_in(client, username: str, password: str, address: str = "192.0.2.10"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_signing_in_and_out(client):
    make_user(roles.VIEWER)
    response = sign_in(client, roles.VIEWER, PASSWORD)
    assert (response.status_code, response["Location"]) == (302, reverse("dashboard"))
    response = client.post(reverse("logout"))
    assert (response.status_code, response["Location"]) == (302, reverse("login"))
    assert client.get(reverse("dashboard"))["Location"].startswith("/accounts/login/")


def test_a_wrong_password_is_refused_on_the_form(client):
    make_user(roles.VIEWER)
    response = sign_in(client, roles.VIEWER, "not-the-password")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_every_sign_in_attempt_is_logged_with_user_name_and_address(client, caplog):
    make_user(roles.VIEWER)
    with caplog.at_level("INFO", logger="settlements"):
        sign_in(client, roles.VIEWER, "not-the-password", "192.0.2.10")
        sign_in(client, roles.VIEWER, PASSWORD, "198.51.100.7")
    messages = [r.getMessage() for r in caplog.records if r.name == "settlements.signin"]
    assert messages == [
        "Sign-in failed for 'viewer' from 192.0.2.10",
        "Sign-in succeeded for 'viewer' from 198.51.100.7",
    ]


def test_a_session_ends_when_the_browser_closes_and_after_8_hours(client, settings):
    make_user(roles.VIEWER)
    sign_in(client, roles.VIEWER, PASSWORD)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    assert client.session.get_expiry_age() == 8 * 60 * 60
    assert cookie["httponly"]


def test_changing_a_password_applies_the_password_rules(client):
    user = make_user(roles.VIEWER)
    client.force_login(user)
    data = {"old_password": PASSWORD, "new_password1": "short1", "new_password2": "short1"}
    response = client.post(reverse("password_change"), data)
    assert "at least 12 characters" in response.content.decode()
    strong = "plum-tractor-envelope-42"
    data = {"old_password": PASSWORD, "new_password1": strong, "new_password2": strong}
    assert client.post(reverse("password_change"), data)["Location"] == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password(strong)


def test_a_password_reset_by_email_lets_a_person_choose_a_new_password(client, mailoutbox):
    user = make_user(roles.VIEWER)
    client.post(reverse("password_reset"), {"email": "viewer@example.police.uk"})
    assert len(mailoutbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+)", mailoutbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert b"Choose a new password" in form_page.content
    strong = "plum-tractor-envelope-42"
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": strong, "new_password2": strong})
    assert done["Location"] == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(strong)


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True


def test_five_failures_lock_the_user_name_at_that_address_for_30_minutes(client, axes_on):
    make_user(roles.VIEWER)
    for _ in range(4):
        assert sign_in(client, roles.VIEWER, "not-the-password").status_code == 200
    assert sign_in(client, roles.VIEWER, "not-the-password").status_code == 429
    locked = sign_in(client, roles.VIEWER, PASSWORD)
    assert locked.status_code == 429
    assert b"Too many sign-in attempts" in locked.content
    assert sign_in(client, roles.VIEWER, PASSWORD, address="198.51.100.7").status_code == 302


def test_the_lock_lifts_after_30_minutes(client, axes_on):
    from axes.models import AccessAttempt

    make_user(roles.VIEWER)
    for _ in range(5):
        sign_in(client, roles.VIEWER, "not-the-password")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))
    assert sign_in(client, roles.VIEWER, PASSWORD).status_code == 302


def test_the_demo_login_is_refused_with_debug_off(client):
    make_user(roles.VIEWER, "demo")
    assert sign_in(client, "demo", PASSWORD).status_code == 200
