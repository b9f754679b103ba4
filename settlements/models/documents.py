"""Signed papers kept beside the figures: each document belongs to one record, and new versions never overwrite.

A document has one nullable foreign key per kind of record, with a check that exactly one is set, rather than a
generic relation: the database can then protect the record (PROTECT), its triggers can ask in plain SQL whether
the record is approved, and a permission check or a query names the record's table without a content type.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from settlements.dates import in_range_constraint, validate_in_range

from .parties import Alliance, TerminationNotice
from .schedule import Payment, ScheduleRevision
from .settlement import Settlement

# The record fields, one per kind of record a document may belong to.
RECORD_FIELDS = ("alliance", "notice", "settlement", "revision", "payment")


def document_storage():
    """The storage that keeps documents (STORAGES["documents"]): a folder outside the static files by default."""
    return storages["documents"]


def random_name(instance, filename: str) -> str:
    """Files are stored under a random name, never the uploader's (which stays in original_name)."""
    return f"documents/{uuid.uuid4().hex}"


def _exactly_one_record() -> Q:
    condition = Q()
    for field in RECORD_FIELDS:
        one = Q(**{f"{field}__isnull": False})
        for other in RECORD_FIELDS:
            if other != field:
                one &= Q(**{f"{other}__isnull": True})
        condition |= one
    return condition


class DocumentQuerySet(models.QuerySet):
    def about_settlement(self, settlement):
        """The papers a settlement's page lists: its own, and those of its alliance and its termination notice."""
        about = Q(settlement=settlement.pk) | Q(alliance=settlement.alliance_id)
        if settlement.termination_notice_id:
            about |= Q(notice=settlement.termination_notice_id)
        return self.filter(about).select_related("uploaded_by").order_by("dated_on", "pk")


class Document(models.Model):
    """A file kept with an alliance, a notice, a settlement, a schedule revision or a payment."""

    class Kind(models.TextChoices):
        AGREEMENT = "agreement", "Agreement"
        NOTICE = "notice", "Notice"
        REVIEW = "review", "Independent review"
        DECISION = "decision", "Decision"
        SETTLEMENT_LETTER = "settlement_letter", "Settlement letter"
        REMITTANCE = "remittance", "Remittance advice"
        OTHER = "other", "Other"

    alliance = models.ForeignKey(Alliance, on_delete=models.PROTECT, null=True, blank=True, related_name="documents")
    notice = models.ForeignKey(
        TerminationNotice, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    settlement = models.ForeignKey(
        Settlement, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    revision = models.ForeignKey(
        ScheduleRevision, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="documents")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    dated_on = models.DateField("date", validators=[validate_in_range], help_text="The date the paper bears.")
    description = models.CharField(max_length=200, blank=True)
    file = models.FileField(storage=document_storage, upload_to=random_name, max_length=200, editable=False)
    original_name = models.CharField("file name", max_length=255, editable=False)
    content_type = models.CharField(max_length=100, editable=False)
    size = models.PositiveBigIntegerField("size in bytes", editable=False)
    sha256 = models.CharField("SHA-256", max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", editable=False
    )
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        help_text="The earlier version this one supersedes; the earlier one is kept.",
    )
    history = HistoricalRecords()

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-dated_on", "-uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one_record(),
                name="document_belongs_to_one_record",
                violation_error_message="A document belongs to exactly one record.",
            ),
            in_range_constraint("dated_on", "document_dated_on_in_range"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.original_name}"

    @property
    def record(self):
        return next((getattr(self, f) for f in RECORD_FIELDS if getattr(self, f"{f}_id")), None)

    @property
    def record_field(self) -> str | None:
        return next((f for f in RECORD_FIELDS if getattr(self, f"{f}_id")), None)

    def is_locked(self) -> bool:
        """Kept for good: its record is approved (a settlement or request decided, a payment recorded)."""
        return self.record is not None and keeps_documents(self.record)

    def record_kind(self) -> str:
        """What the document is kept with: "Settlement", "Alliance", "Termination notice", ..."""
        field = self.record_field
        return type(self)._meta.get_field(field).related_model._meta.verbose_name.capitalize() if field else ""

    def version_number(self) -> int:
        number, earlier = 1, self.replaces
        while earlier is not None:
            number, earlier = number + 1, earlier.replaces
        return number

    def clean(self):
        earlier = self.replaces if self.replaces_id else None
        if earlier is not None and (earlier.record_field, earlier.record) != (self.record_field, self.record):
            raise ValidationError({"replaces": "A new version belongs to the same record as the one it replaces."})

    # Audit rule: the model refuses as the database does (migration 0010 creates the triggers).
    def delete(self, *args, **kwargs):
        if self.pk and self.is_locked():
            raise ValidationError(LOCKED_MESSAGE, code="document_locked")
        return super().delete(*args, **kwargs)


def keeps_documents(record) -> bool:
    """Whether `record` is approved, so that its documents are never removed (the triggers' rule, in Python)."""
    if isinstance(record, Payment):
        return True
    if isinstance(record, Settlement):
        return not record.is_draft()
    if isinstance(record, ScheduleRevision):
        return not record.is_pending()
    if isinstance(record, Alliance):
        return record.settlements.approved().exists()
    if isinstance(record, TerminationNotice):
        return record.settlements.approved().exists()
    return False


LOCKED_MESSAGE = "A document of an approved record is never removed: upload a new version of it instead."


class DocumentDownload(models.Model):
    """One download of a document: who and when, for the audit trail."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="downloads")
    downloaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    downloaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-downloaded_at"]

    def __str__(self):
        return f"{self.document} downloaded by {self.downloaded_by}"
