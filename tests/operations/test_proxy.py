"""The sign-in lock-out behind a reverse proxy: the client's address as the trusted proxies saw it."""

import logging
import subprocess
import sys

import pytest
from django.test import RequestFactory
from django.urls import reverse

from settlements import roles
from settlements.auth import client_address
from tests.access_helpers import ROOT, production_env
from tests.pages.test_access import PASSWORD, make_user

PROXY = "10.0.0.5"


def request_from(remote: str, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


@pytest.mark.parametrize(
    ("count", "forwarded", "address"),
    [
        (0, None, PROXY),
        (0, "203.0.113.9", PROXY),  # without a trusted proxy the header is the client's word only
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # what the client wrote itself comes first
        (2, "198.51.100.1, 203.0.113.9, 10.0.0.9", "203.0.113.9"),
        (2, "203.0.113.9", PROXY),  # fewer hops than trusted proxies: the connection's own address
        (1, "not-an-address", PROXY),
        (1, "2001:db8::1", "2001:db8::1"),
        (1, "", PROXY),
    ],
)
def test_the_client_address_is_the_one_the_outermost_trusted_proxy_saw(settings, count, forwarded, address):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_address(request_from(PROXY, forwarded)) == address


def sign_in(client, username: str, password: str, forwarded: str):
    data = {"username": username, "password": password}
    return client.post(reverse("login"), data, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)


@pytest.fixture
def behind_one_proxy(settings):
    settings.AXES_ENABLED = True
    settings.TRUSTED_PROXY_COUNT = 1


@pytest.mark.django_db
def test_behind_the_proxy_locking_a_name_from_one_address_leaves_it_open_from_another(client, behind_one_proxy):
    make_user(roles.VIEWER)
    attacker, owner = "198.51.100.66", "203.0.113.9"
    for _ in range(5):
        sign_in(client, roles.VIEWER, "not-the-password", attacker)
    assert sign_in(client, roles.VIEWER, PASSWORD, attacker).status_code == 429
    assert sign_in(client, roles.VIEWER, PASSWORD, owner).status_code == 302


@pytest.mark.django_db
def test_without_a_trusted_proxy_a_forged_header_does_not_escape_the_lock(client, settings):
    settings.AXES_ENABLED = True
    make_user(roles.VIEWER)
    for number in range(5):
        sign_in(client, roles.VIEWER, "not-the-password", f"198.51.100.{number}")
    assert sign_in(client, roles.VIEWER, PASSWORD, "198.51.100.200").status_code == 429


@pytest.mark.django_db
def test_the_sign_in_log_names_the_client_address(client, behind_one_proxy, caplog):
    make_user(roles.VIEWER)
    with caplog.at_level(logging.INFO, logger="settlements.signin"):
        sign_in(client, roles.VIEWER, PASSWORD, "198.51.100.1, 203.0.113.9")
    assert "Sign-in succeeded for 'viewer' from 203.0.113.9" in caplog.text


@pytest.mark.parametrize("value", ["-1", "one"])
def test_a_bad_proxy_count_stops_the_app_from_starting(value):
    env = production_env(TRUSTED_PROXY_COUNT=value)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT is the number of proxies" in result.stderr
