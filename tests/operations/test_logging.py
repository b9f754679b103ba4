"""Operators see failures: tracebacks with the request in the server's log, mail to ADMINS, and who did what."""

import logging
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date
from urllib.error import HTTPError

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from djmoney.money import Money
from simple_history.models import HistoricalRecords

from alliance.log import RequestContext
from settlements.immutability import delete_refusal
from settlements.services import approve_settlement
from tests import factories
from tests.access_helpers import ROOT, production_env
from tests.operations.test_production_run import STARTUP_SECONDS, free_port


def wait_for_port(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stderr.read()
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.25)
    pytest.fail(f"gunicorn did not listen within {STARTUP_SECONDS} s")


@pytest.mark.slow
def test_a_500_under_gunicorn_with_production_settings_leaves_its_traceback_and_request_in_the_log(tmp_path):
    # A database that was never migrated: the first request that reads a session fails.
    env = production_env(
        ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="0", DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    )
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "alliance.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # noqa: S603
    try:
        wait_for_port(port, server)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/reports/year-end/", headers={"Cookie": f"sessionid={'s' * 32}"}
        )
        with pytest.raises(HTTPError) as failed:
            urllib.request.urlopen(request, timeout=20)  # noqa: S310 - a loopback URL we built
        assert failed.value.code == 500
        assert "Sorry, there is a problem with the service" in failed.value.read().decode()
    finally:
        server.terminate()
        log = server.communicate(timeout=30)[1]
    assert "ERROR django.request: Internal Server Error: /reports/year-end/ [GET /reports/year-end/ user=-]" in log
    assert "Traceback (most recent call last):" in log
    assert "no such table: django_session" in log


@pytest.fixture
def crashing_dashboard(monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("the dashboard fell over")

    monkeypatch.setattr("settlements.views.dashboard.dashboard_report", crash)


@pytest.mark.django_db
@override_settings(ADMINS=[("Operator", "operator@example.police.uk")])
def test_an_unhandled_exception_is_logged_with_the_user_and_mailed_to_the_admins(superuser, crashing_dashboard, caplog):
    client = Client(raise_request_exception=False)
    client.force_login(superuser)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/?as_of=31/03/2021")
    assert response.status_code == 500
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info[0] is RuntimeError
    RequestContext().filter(record)
    assert record.request_line == " [GET /?as_of=31/03/2021 user=super]"
    [message] = mail.outbox
    assert message.to == ["operator@example.police.uk"]
    assert "RuntimeError" in message.body


@pytest.mark.django_db
def test_without_admins_no_mail_is_sent_but_the_error_is_still_logged(superuser, crashing_dashboard, caplog):
    client = Client(raise_request_exception=False)
    client.force_login(superuser)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        assert client.get("/").status_code == 500
    assert any(r.exc_info for r in caplog.records if r.name == "django.request")
    assert mail.outbox == []


def test_the_settings_send_errors_to_standard_error_and_to_the_admins():
    from django.conf import settings

    handlers = settings.LOGGING["handlers"]
    assert handlers["console"]["stream"] == "ext://sys.stderr"
    assert set(settings.LOGGING["loggers"]["django"]["handlers"]) == {"console", "mail_admins"}


@pytest.mark.django_db
def test_an_approval_is_logged_at_info_with_the_approver(django_user_model, caplog):
    approver = django_user_model.objects.create_user("checker")
    approver.groups.add(Group.objects.get(name="finance_approver"))
    settlement = factories.SettlementFactory(status="draft")
    with caplog.at_level(logging.INFO, logger="settlements"):
        approve_settlement(settlement=settlement, approved_by=approver)
    [record] = [r for r in caplog.records if r.name == "settlements.approvals"]
    assert record.levelno == logging.INFO
    assert record.getMessage().endswith("approved by checker")


@pytest.mark.django_db
def test_a_refused_change_to_a_locked_record_is_logged_at_info_with_the_user(admin_client, caplog):
    settlement = factories.SettlementFactory()
    instalment = factories.InstalmentFactory(settlement=settlement, amount=settlement.cash_amount)
    factories.PaymentFactory(instalment=instalment, paid_on=date(2020, 4, 30))
    with caplog.at_level(logging.INFO, logger="settlements"), pytest.raises(ValidationError):
        instalment.amount = Money("1.00", "GBP")
        instalment.full_clean()
    [record] = [r for r in caplog.records if r.name == "settlements.locks"]
    assert record.levelno == logging.INFO
    assert "Refused a change to a locked record" in record.getMessage()


@pytest.mark.django_db
def test_asking_whether_a_record_may_be_deleted_logs_no_refusal_but_a_delete_does(admin_client, caplog):
    settlement = factories.SettlementFactory()
    with caplog.at_level(logging.INFO, logger="settlements"):
        assert "never deleted" in delete_refusal(settlement)
        page = admin_client.get(reverse("admin:settlements_settlement_change", args=[settlement.pk]))
        assert page.status_code == 200
        assert not [r for r in caplog.records if r.name == "settlements.locks"]
        with pytest.raises(ValidationError):
            settlement.delete()
    [record] = [r for r in caplog.records if r.name == "settlements.locks"]
    assert "A settlement is never deleted" in record.getMessage()


@pytest.mark.django_db
def test_a_refusal_while_serving_a_request_names_the_user_in_the_log(superuser, rf, caplog):
    settlement = factories.SettlementFactory()
    request = rf.post("/admin/settlements/settlement/1/change/")
    request._cached_user = superuser
    HistoricalRecords.context.request = request  # as simple_history's middleware keeps it while serving
    try:
        with caplog.at_level(logging.INFO, logger="settlements"), pytest.raises(ValidationError):
            settlement.cash_amount = Money("1.00", "GBP")
            settlement.full_clean()
        [record, *_] = [r for r in caplog.records if r.name == "settlements.locks"]
        RequestContext().filter(record)  # as the console handler does while the request is served
    finally:
        del HistoricalRecords.context.request
    assert record.request_line == " [POST /admin/settlements/settlement/1/change/ user=super]"
