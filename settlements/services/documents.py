"""Documents: uploaded with their checks and fingerprint, versioned rather than overwritten; downloads logged."""

import hashlib
import os

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction

from settlements import filetypes
from settlements.models import (
    Alliance,
    Document,
    DocumentDownload,
    Payment,
    ScheduleRevision,
    Settlement,
    TerminationNotice,
)
from settlements.models.documents import LOCKED_MESSAGE

RECORD_FIELD = {
    Alliance: "alliance",
    TerminationNotice: "notice",
    Settlement: "settlement",
    ScheduleRevision: "revision",
    Payment: "payment",
}
UPLOADED = "Uploaded"


def check_upload(file, name: str) -> filetypes.FileType:
    """The upload's type if it is within the size limit and its content is what its name says."""
    limit = settings.DOCUMENT_MAX_BYTES
    if file.size > limit:
        raise ValidationError(
            f"“{name}” is {file.size / 1048576:,.1f} MB: documents are at most {limit / 1048576:,.0f} MB.",
            code="too_large",
        )
    if file.size == 0:
        raise ValidationError(f"“{name}” is empty.", code="empty")
    return filetypes.check(file, name)


def sha256_of(file) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def new_document(*, record, file, kind, dated_on, description="", uploaded_by, replaces=None) -> Document:
    """An unsaved document for `record` with its checks done and its fingerprint taken (the admin's inline uses it)."""
    name = os.path.basename(getattr(file, "name", "") or "")
    file_type = check_upload(file, name)
    field = RECORD_FIELD.get(type(record))
    if field is None:
        raise ValidationError("Documents are kept with alliances, notices, settlements, revisions and payments.")
    return Document(
        **{field: record},
        kind=kind,
        dated_on=dated_on,
        description=description,
        original_name=name[:255],
        content_type=file_type.content_type,
        size=file.size,
        sha256=sha256_of(file),
        uploaded_by=uploaded_by,
        replaces=replaces,
    )


def store(document: Document, file) -> Document:
    """Keep the file under a random name and save the row; the file goes again if the row is refused."""
    document.full_clean(exclude=["file"])
    document.file.save(document.original_name, File(file), save=False)
    try:
        with transaction.atomic():
            document._change_reason = UPLOADED
            document._history_user = document.uploaded_by
            document.save()
    except Exception:
        document.file.storage.delete(document.file.name)
        raise
    return document


def add_document(*, record, file, kind, dated_on, description="", uploaded_by, replaces=None) -> Document:
    """Upload a document for an alliance, notice, settlement, revision or payment (or a new version of one)."""
    if not may_upload(uploaded_by):
        raise PermissionDenied(f"{uploaded_by} may not upload documents: that needs the finance editor role.")
    document = new_document(
        record=record,
        file=file,
        kind=kind,
        dated_on=dated_on,
        description=description,
        uploaded_by=uploaded_by,
        replaces=replaces,
    )
    return store(document, file)


@transaction.atomic
def remove_document(*, document: Document, removed_by) -> None:
    """Remove a document of a record not yet approved; its file goes once the removal is committed."""
    if document.is_locked():
        raise ValidationError(LOCKED_MESSAGE, code="document_locked")
    if not removed_by.has_perm("settlements.delete_document"):
        raise PermissionDenied(f"{removed_by} may not remove documents.")
    name, storage = document.file.name, document.file.storage
    document._history_user = removed_by
    document.delete()
    transaction.on_commit(lambda: storage.delete(name))


def may_upload(user) -> bool:
    return user.is_active and user.has_perm("settlements.add_document")


def may_read(user, document: Document) -> bool:
    """Signed-in users whose role lets them see documents and the record the document belongs to."""
    model = type(document.record)._meta.model_name
    return (
        user.is_authenticated
        and user.is_active
        and user.has_perm("settlements.view_document")
        and user.has_perm(f"settlements.view_{model}")
    )


def open_for_download(*, document: Document, user):
    """The stored file, opened for `user` if they may read it; the download goes into the log."""
    if not may_read(user, document):
        raise PermissionDenied("Your account does not have a role that allows reading this document.")
    DocumentDownload.objects.create(document=document, downloaded_by=user)
    return document.file.open("rb")
