"""Documents: checked by content, kept under random names, downloaded only through the check, never removed once
their record is approved."""

import hashlib
import io
import zipfile
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.urls import reverse
from openpyxl import Workbook

from settlements import filetypes, roles, triggers
from settlements.models import Document, DocumentDownload
from settlements.services import documents
from tests import factories
from tests.access_helpers import NO_ROLE, SUPERUSER, form_data, make_user

pytestmark = pytest.mark.django_db

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Override PartName="/word/document.xml" ContentType="{}"/></Types>'
)


def docx_bytes(main=filetypes.MAIN_PART[filetypes.DOCX]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(main.decode()))
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    workbook = Workbook()
    workbook.active.append(["Instalment", "Amount"])
    workbook.save(buffer)
    return buffer.getvalue()


SAMPLES = {
    "agreement.pdf": b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
    "review.docx": docx_bytes(),
    "schedule.xlsx": xlsx_bytes(),
    "payments.csv": "Reference,Amount\nREM-1,£3,500,000.00\n".encode(),
    "scan.png": b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(20),
    "photo.jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20),
    "letter.eml": b"From: finance@westmercia.police.uk\r\nTo: finance@warwickshire.police.uk\r\n"
    b"Subject: Settlement\r\nDate: Mon, 30 Mar 2020 10:00:00 +0100\r\n\r\nAgreed.\r\n",
    "remittance.msg": filetypes.MAGIC[filetypes.MSG] + bytes(504),
}
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(100) + b"This program cannot be run"


def upload(name, content=None):
    return SimpleUploadedFile(name, SAMPLES[name] if content is None else content)


@pytest.fixture
def editor():
    return make_user(roles.FINANCE_EDITOR, "editor")


@pytest.fixture
def draft():
    return factories.DraftSettlementFactory()


def add(record, editor, name="agreement.pdf", content=None, **kwargs):
    return documents.add_document(
        record=record,
        file=upload(name, content),
        kind=kwargs.pop("kind", Document.Kind.AGREEMENT),
        dated_on=kwargs.pop("dated_on", date(2020, 3, 30)),
        description="Signed settlement agreement",
        uploaded_by=editor,
        **kwargs,
    )


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_allowed_type_uploads_with_its_fingerprint_under_a_random_name(name, editor, draft):
    document = add(draft, editor, name)
    document.refresh_from_db()
    assert document.sha256 == hashlib.sha256(SAMPLES[name]).hexdigest()
    assert document.size == len(SAMPLES[name])
    assert document.original_name == name
    assert name.rsplit(".", 1)[0] not in document.file.name
    with document.file.open("rb") as stored:
        assert stored.read() == SAMPLES[name]


@pytest.mark.parametrize("name", ["agreement.pdf", "notes.csv", "letter.eml", "review.docx", "scan.png"])
def test_a_renamed_executable_is_refused(name, editor, draft):
    with pytest.raises(ValidationError, match="is not a"):
        add(draft, editor, name, EXECUTABLE)
    assert not Document.objects.exists()


def test_a_file_of_another_type_is_refused_by_its_name(editor, draft):
    with pytest.raises(ValidationError, match="not a file this system keeps"):
        add(draft, editor, "setup.exe", EXECUTABLE)


def test_a_docx_that_is_really_a_spreadsheet_is_refused(editor, draft):
    with pytest.raises(ValidationError, match="not a Word"):
        add(draft, editor, "review.docx", xlsx_bytes())


def test_a_zip_that_would_unpack_beyond_the_limit_is_refused_before_inflating(editor, draft):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(filetypes.MAIN_PART[filetypes.DOCX].decode()))
        archive.writestr("word/bomb.xml", b"0" * (filetypes.MAX_UNPACKED_BYTES + 1))
    assert len(buffer.getvalue()) < 1024 * 1024
    with pytest.raises(ValidationError, match="would unpack to more than"):
        add(draft, editor, "review.docx", buffer.getvalue())


@pytest.mark.parametrize(
    ("limit", "refused"), [(len(SAMPLES["agreement.pdf"]) - 1, True), (len(SAMPLES["agreement.pdf"]), False)]
)
def test_the_size_limit_comes_from_the_settings(limit, refused, editor, draft):
    with override_settings(DOCUMENT_MAX_BYTES=limit):
        if refused:
            with pytest.raises(ValidationError, match="documents are at most"):
                add(draft, editor)
        else:
            add(draft, editor)


def test_the_upload_is_in_the_history_with_its_uploader(editor, draft):
    document = add(draft, editor)
    row = document.history.get()
    assert (row.history_type, row.history_user, row.history_change_reason) == ("+", editor, "Uploaded")


def test_a_viewer_without_upload_rights_cannot_upload(draft):
    with pytest.raises(PermissionDenied):
        add(draft, make_user(roles.VIEWER))


# Downloads.


@pytest.fixture
def document(editor, draft):
    return add(draft, editor)


def test_a_reader_downloads_an_attachment_and_the_download_is_logged(client, document):
    viewer = make_user(roles.VIEWER)
    client.force_login(viewer)
    response = client.get(reverse("document_download", args=[document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == SAMPLES["agreement.pdf"]
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="agreement.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert DocumentDownload.objects.get().downloaded_by == viewer


def test_an_anonymous_visitor_gets_no_file(client, document):
    response = client.get(reverse("document_download", args=[document.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not DocumentDownload.objects.exists()


def test_a_user_without_a_role_gets_no_file(client, document):
    client.force_login(make_user(NO_ROLE))
    response = client.get(reverse("document_download", args=[document.pk]))
    assert response.status_code == 403
    assert SAMPLES["agreement.pdf"] not in response.content
    assert not DocumentDownload.objects.exists()


def test_a_guess_of_the_stored_path_gets_no_file(client, document):
    client.force_login(make_user(SUPERUSER))
    stored = document.file.name
    for guess in (f"/{stored}", f"/media/{stored}", f"/documents/{stored}", f"/static/{stored}", document.file.url):
        response = client.get(guess)
        assert response.status_code == 404, guess
        assert SAMPLES["agreement.pdf"] not in response.content


# Removal.


def approved_with_document(editor):
    settlement = factories.DraftSettlementFactory()
    document = add(settlement, editor)
    factories.approve(settlement)
    return document


def refused(write):
    with pytest.raises(DatabaseError, match="REFUSED") as error, transaction.atomic():
        write()
    return triggers.explain(error.value)


def test_a_document_of_a_draft_can_be_removed(document):
    documents.remove_document(document=document, removed_by=make_user(SUPERUSER))
    assert not Document.objects.exists()


def test_a_document_of_an_approved_settlement_is_never_removed_by_the_orm_or_sql(editor):
    document = approved_with_document(editor)
    with pytest.raises(ValidationError, match="never removed"):
        document.delete()
    with pytest.raises(ValidationError, match="never removed"):
        documents.remove_document(document=document, removed_by=make_user(SUPERUSER))
    assert "never removed" in refused(lambda: Document.objects.filter(pk=document.pk).delete())
    with connection.cursor() as cursor:
        refused(lambda: cursor.execute("DELETE FROM settlements_document WHERE id = %s", [document.pk]))
    assert Document.objects.filter(pk=document.pk).exists()


def test_a_document_of_an_approved_settlement_is_never_removed_in_the_admin(client, editor):
    document = approved_with_document(editor)
    client.force_login(make_user(SUPERUSER))
    response = client.post(reverse("admin:settlements_document_delete", args=[document.pk]), {"post": "yes"})
    assert response.status_code == 403
    response = client.post(
        reverse("admin:settlements_document_changelist"),
        {"action": "delete_selected", "_selected_action": [document.pk], "post": "yes"},
        follow=True,
    )
    assert Document.objects.filter(pk=document.pk).exists()


def test_a_documents_file_never_changes_even_in_sql(document):
    assert "never changes" in refused(lambda: Document.objects.filter(pk=document.pk).update(sha256="0" * 64))


def test_a_new_version_is_added_to_an_approved_record_and_the_old_one_kept(editor):
    first = approved_with_document(editor)
    second = add(first.settlement, editor, "agreement.pdf", SAMPLES["agreement.pdf"] + b"% v2\n", replaces=first)
    assert second.version_number() == 2
    assert first.replaced_by == second
    assert Document.objects.count() == 2


def test_a_new_version_belongs_to_the_same_record(editor, document):
    with pytest.raises(ValidationError, match="same record"):
        add(factories.DraftSettlementFactory(), editor, replaces=document)


def test_documents_of_an_alliance_are_kept_once_one_of_its_settlements_is_approved(editor):
    settlement = factories.DraftSettlementFactory()
    document = add(settlement.alliance, editor)
    assert not document.is_locked()
    factories.approve(settlement)
    assert document.is_locked()
    assert "never removed" in refused(lambda: Document.objects.filter(pk=document.pk).delete())


def test_a_payments_documents_are_kept(editor):
    document = add(factories.PaymentFactory(), editor, "remittance.msg", kind=Document.Kind.REMITTANCE)
    assert "never removed" in refused(lambda: Document.objects.filter(pk=document.pk).delete())


def test_a_document_belongs_to_exactly_one_record(editor, draft):
    document = add(draft, editor)
    document.alliance = draft.alliance
    with pytest.raises(ValidationError, match="exactly one record"):
        document.full_clean()
    assert "never changes" in refused(lambda: Document.objects.filter(pk=document.pk).update(alliance=draft.alliance))


# The admin.


def test_the_settlement_page_lists_its_documents_with_their_fingerprint(admin_client, document):
    response = admin_client.get(reverse("admin:settlements_settlement_change", args=[document.settlement_id]))
    assert response.status_code == 200
    assert document.sha256.encode() in response.content
    assert reverse("document_download", args=[document.pk]).encode() in response.content


def test_a_document_is_uploaded_from_the_documents_page(admin_client, superuser, draft):
    response = admin_client.post(
        reverse("admin:settlements_document_add"),
        {
            "upload": upload("letter.eml"),
            "kind": "settlement_letter",
            "dated_on": "30/03/2020",
            "description": "Letter",
            "settlement": draft.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    document = Document.objects.get()
    assert (document.settlement, document.uploaded_by, document.original_name) == (draft, superuser, "letter.eml")
    assert document.sha256 == hashlib.sha256(SAMPLES["letter.eml"]).hexdigest()


def test_a_renamed_executable_is_refused_on_the_documents_page(admin_client, draft):
    response = admin_client.post(
        reverse("admin:settlements_document_add"),
        {
            "upload": upload("agreement.pdf", EXECUTABLE),
            "kind": "agreement",
            "dated_on": "30/03/2020",
            "settlement": draft.pk,
        },
    )
    assert response.status_code == 200
    assert "is not a PDF file" in response.content.decode()
    assert not Document.objects.exists()


@pytest.mark.parametrize("approved", [False, True])
def test_a_document_is_uploaded_on_its_settlements_page_draft_or_approved(client, editor, approved):
    settlement = factories.DraftSettlementFactory()
    if approved:
        factories.approve(settlement)
    client.force_login(editor)
    url = reverse("admin:settlements_settlement_change", args=[settlement.pk])
    data = form_data(client.get(url))
    prefix = "documents-2"  # the second inline of documents: the upload rows
    assert data[f"{prefix}-TOTAL_FORMS"] == "1"
    data |= {
        f"{prefix}-0-upload": upload("review.docx"),
        f"{prefix}-0-kind": "review",
        f"{prefix}-0-dated_on": "01/02/2020",
        f"{prefix}-0-description": "Independent review",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    document = Document.objects.get()
    assert (document.settlement_id, document.uploaded_by, document.kind) == (settlement.pk, editor, "review")
    assert document.sha256 == hashlib.sha256(SAMPLES["review.docx"]).hexdigest()


# The settlement's page.


def test_the_settlement_page_lists_its_own_its_alliances_and_its_notices_documents_only(client, editor):
    settlement = factories.DraftSettlementFactory()
    notice = factories.TerminationNoticeFactory(alliance=settlement.alliance)
    settlement.termination_notice = notice
    settlement.save()
    own = add(settlement, editor, "letter.eml", kind=Document.Kind.SETTLEMENT_LETTER)
    alliance = add(settlement.alliance, editor, "agreement.pdf")
    served = add(notice, editor, "scan.png", kind=Document.Kind.NOTICE)
    other = factories.DraftSettlementFactory()
    elsewhere = add(other, editor, "review.docx", kind=Document.Kind.REVIEW)
    revision_paper = add(factories.PaymentFactory(), editor, "remittance.msg", kind=Document.Kind.REMITTANCE)
    client.force_login(make_user(roles.VIEWER))
    html = client.get(reverse("settlement", args=[settlement.pk])).content.decode()
    section = html[html.index('id="documents-title"') : html.index('id="trail-title"')]
    for shown in (own, alliance, served):
        assert reverse("document_download", args=[shown.pk]) in section
        assert shown.sha256 in section
    assert ">Settlement<" in section and ">Alliance<" in section and ">Termination notice<" in section
    for hidden in (elsewhere, revision_paper):
        assert reverse("document_download", args=[hidden.pk]) not in section


def test_the_settlement_page_says_when_it_has_no_documents(client):
    client.force_login(make_user(roles.VIEWER))
    html = client.get(reverse("settlement", args=[factories.DraftSettlementFactory().pk])).content.decode()
    assert "No document is kept with this settlement, its alliance or its notice." in html
