"""Users for the access tests (one per role, no role, superuser) and a record of every model."""

import os
import secrets
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile

from settlements import roles
from settlements.models import DocumentDownload, ScheduleRevision
from settlements.services import documents
from tests import factories

PASSWORD = "correct-horse-battery-staple"
ROOT = Path(__file__).resolve().parent.parent
NO_ROLE = "no_role"
SUPERUSER = "superuser"
EVERYONE = (roles.VIEWER, roles.FINANCE_EDITOR, roles.FINANCE_APPROVER, SUPERUSER, NO_ROLE)


def make_user(role: str, username: str | None = None, *, staff: bool = True) -> User:
    """A staff user holding `role` (a group name), no role at all, or a superuser."""
    username = username or role
    if role == SUPERUSER:
        return User.objects.create_superuser(username, f"{username}@example.police.uk", PASSWORD)
    user = User.objects.create_user(username, f"{username}@example.police.uk", PASSWORD, is_staff=staff)
    if role != NO_ROLE:
        user.groups.add(Group.objects.get(name=role))
    return user


def one_of_each_record() -> dict:
    """A record of every domain model, keyed by model name; nothing approved or paid, so all may change."""
    settlement = factories.SettlementFactory(status="draft")
    instalment = factories.InstalmentFactory(settlement=settlement)
    revision = ScheduleRevision.objects.create(
        settlement=settlement, sequence=1, revised_on=date(2020, 9, 1), reason="Extended", decision_reference="Min 12"
    )
    document = documents.add_document(
        record=settlement,
        file=SimpleUploadedFile("agreement.pdf", b"%PDF-1.7\n%%EOF\n"),
        kind="agreement",
        dated_on=date(2020, 3, 30),
        uploaded_by=User.objects.get_or_create(username="uploader", is_superuser=True)[0],
    )
    return {
        "document": document,
        "documentdownload": DocumentDownload.objects.create(document=document, downloaded_by=document.uploaded_by),
        "force": settlement.payer,
        "alliance": settlement.alliance,
        "terminationnotice": factories.TerminationNoticeFactory(alliance=settlement.alliance),
        "hostedservice": factories.HostedServiceFactory(alliance=settlement.alliance),
        "settlement": settlement,
        "settlementadjustment": factories.SettlementAdjustmentFactory(settlement=settlement),
        "schedulerevision": revision,
        "instalment": instalment,
        "payment": factories.PaymentFactory(instalment=factories.InstalmentFactory(settlement=settlement)),
    }


class _FormReader(HTMLParser):
    """Collects what a browser would submit from the page's main form (inputs, selects, textareas)."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select = self._textarea = None

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value or "")

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self._add(name, a.get("value", "on" if a.get("type") == "checkbox" else ""))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self._add(self._select, a.get("value", ""))
        elif tag == "textarea":
            self._textarea = name
            self._add(name, "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data.lstrip("\n")


def form_data(response) -> dict:
    """The data a browser would post back from an admin change page, unchanged."""
    reader = _FormReader()
    html = response.content.decode()
    start = html.rindex("<form", 0, html.index('_form" novalidate>'))
    reader.feed(html[start : html.index("</form>", start)])
    return {name: values if len(values) > 1 else values[0] for name, values in reader.data.items()}


def production_env(**overrides: str) -> dict:
    """The environment of a production deployment: DEBUG off, a strong random key, named hosts."""
    dev_only = ("DEBUG", "SECURE_SSL_REDIRECT", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {key: value for key, value in os.environ.items() if key not in dev_only}
    env.update(
        DJANGO_SETTINGS_MODULE="alliance.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="settlements.example.police.uk",
        DATABASE_URL=os.environ.get("DATABASE_URL", f"sqlite:///{ROOT / 'db.sqlite3'}"),
    )
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}
