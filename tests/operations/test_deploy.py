"""Deployment: check --deploy is clean in production, the app refuses unsafe settings, error pages are plain."""

import subprocess
import sys

import pytest
from django.template import loader
from django.urls import path, reverse

from settlements import roles
from tests.access_helpers import ROOT, make_user, production_env

pytestmark = pytest.mark.django_db


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow  # .ci/run runs the same check --deploy on every submission
def test_check_deploy_passes_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
def test_check_deploy_notices_when_https_redirect_is_switched_off():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(SECURE_SSL_REDIRECT="0"))
    assert result.returncode != 0
    assert "security.W008" in result.stderr


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "a" * 60}, "SECRET_KEY must be set"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS must list"),
        ({"SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO"}, "SECURE_PROXY_SSL_HEADER is a header and a value"),
    ],
)
def test_the_app_refuses_to_start_without_safe_settings(overrides, message):
    result = manage("check", env=production_env(**overrides))
    assert result.returncode != 0
    assert message in result.stderr


def settings_in_production(**overrides) -> str:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_HTTPONLY, s.SECURE_HSTS_SECONDS, s.AUTHENTICATION_BACKENDS[0])"
    )
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "-c", code], cwd=ROOT, env=production_env(**overrides), capture_output=True, text=True
    ).stdout.strip()


def test_production_insists_on_https_and_secure_cookies_and_reads_the_proxy_header():
    printed = settings_in_production(SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https")
    assert printed == (
        "True ('HTTP_X_FORWARDED_PROTO', 'https') True True True True 31536000 axes.backends.AxesStandaloneBackend"
    )


def test_responses_carry_the_security_headers(client):
    client.force_login(make_user(roles.VIEWER))
    response = client.get(reverse("password_change"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def fails(request):
    raise RuntimeError("database password is hunter2")


urlpatterns = [path("fails/", fails)]


@pytest.mark.urls("tests.operations.test_deploy")
def test_the_500_page_shows_no_internals(client):
    client.raise_request_exception = False
    client.force_login(make_user(roles.VIEWER))
    response = client.get("/fails/")
    assert response.status_code == 500
    assert b"Sorry, there is a problem with the service" in response.content
    assert b"hunter2" not in response.content
    assert b"Traceback" not in response.content


def test_the_500_page_renders_without_a_request_or_context():
    assert "problem with the service" in loader.get_template("500.html").render()


def test_the_404_page_shows_no_internals(client):
    client.force_login(make_user(roles.VIEWER))
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"urlpatterns" not in response.content
    assert b"no-such-page" not in response.content


def test_the_403_page_shows_no_internals(client):
    client.force_login(make_user(roles.VIEWER))
    response = client.get(reverse("recent_changes"))
    assert response.status_code == 403
    assert b"You do not have access to this page" in response.content
    assert b"PermissionDenied" not in response.content
