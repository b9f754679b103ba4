"""Documents in the admin: listed and uploaded on each record's page, never overwritten, downloaded through a check."""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from ..dates import UKDateField, uk_time
from ..filetypes import ALLOWED
from ..models import Document, DocumentDownload
from ..models.documents import RECORD_FIELDS, keeps_documents
from ..services import documents
from .mixins.access import NamedFieldsMixin, NamedTabularInline
from .mixins.locks import ReadOnlyMixin
from .mixins.refusals import RefusalsAsMessagesMixin


class DocumentUploadForm(forms.ModelForm):
    """A new document, or a new version of one: its type, size and fingerprint are taken from the file itself."""

    upload = forms.FileField(label="File", help_text=f"A {ALLOWED} file.")
    dated_on = UKDateField(label="Date")
    uploaded_by = None  # set per request by the admin

    class Meta:
        model = Document
        fields = ["kind", "dated_on", "description", "replaces", *RECORD_FIELDS]

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        file_type = documents.check_upload(upload, upload.name)
        instance = self.instance
        instance.original_name = upload.name[:255]
        instance.content_type = file_type.content_type
        instance.size = upload.size
        instance.sha256 = documents.sha256_of(upload)
        instance.uploaded_by = self.uploaded_by
        instance.file = upload  # stored under a random name (Document.file's upload_to) on save
        return upload


def _with_user(form_class, request):
    return type(form_class.__name__, (form_class,), {"uploaded_by": request.user})


def download_link(document: Document) -> str:
    url = reverse("document_download", args=[document.pk])
    return format_html('<a href="{}">Download {}</a>', url, document.original_name)


def human_size(size: int) -> str:
    return f"{size / 1048576:,.1f} MB" if size >= 1048576 else f"{size / 1024:,.1f} KB"


class DocumentColumnsMixin:
    """A document's file, as a download link, and its size, as the list and the record pages show them."""

    @admin.display(description="file")
    def file_link(self, document):
        return download_link(document)

    @admin.display(description="size")
    def size_shown(self, document):
        return human_size(document.size)


class DocumentListInline(DocumentColumnsMixin, NamedTabularInline):
    """The record's documents, read-only: removable only while the record is not approved."""

    model = Document
    extra = 0
    verbose_name_plural = "documents"
    fields = ["kind", "dated_on", "description", "file_link", "size_shown", "sha256", "version", "uploaded"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # Documents are uploaded once their record exists: the add page shows none.
        return obj is not None and super().has_view_permission(request, obj)

    def get_queryset(self, request):
        # The inline is shown only to those who may view documents (above); Django asks without the record.
        return Document.objects.select_related("uploaded_by", "replaces")

    def has_delete_permission(self, request, obj=None):
        return obj is not None and super().has_delete_permission(request, obj) and not keeps_documents(obj)

    @admin.display(description="version")
    def version(self, document):
        return document.version_number()

    @admin.display(description="uploaded")
    def uploaded(self, document):
        return f"{document.uploaded_by or '-'}, {uk_time(document.uploaded_at)}"


class DocumentUploadInline(NamedTabularInline):
    """Rows to upload new documents, or new versions of the record's documents (never an overwrite)."""

    model = Document
    form = DocumentUploadForm
    extra = 1
    verbose_name = "new document"
    verbose_name_plural = "upload documents"
    fields = ["upload", "kind", "dated_on", "description", "replaces"]

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_add_permission(self, request, obj=None):
        return obj is not None and super().has_add_permission(request, obj)

    def has_view_permission(self, request, obj=None):
        return obj is not None and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = _with_user(self.form, request)
        formset = super().get_formset(request, obj, **kwargs)
        replaces = formset.form.base_fields["replaces"]
        replaces.queryset = Document.objects.filter(**{self.fk_name: obj}) if obj else Document.objects.none()
        replaces.widget.can_add_related = replaces.widget.can_change_related = False
        replaces.widget.can_delete_related = replaces.widget.can_view_related = False
        return formset


def document_inlines(fk_name: str) -> list:
    """The two document inlines for a record whose foreign key on Document is `fk_name`."""
    listing = type(f"{fk_name.title()}DocumentListInline", (DocumentListInline,), {"fk_name": fk_name})
    upload = type(f"{fk_name.title()}DocumentUploadInline", (DocumentUploadInline,), {"fk_name": fk_name})
    return [listing, upload]


@admin.register(Document)
class DocumentAdmin(DocumentColumnsMixin, RefusalsAsMessagesMixin, NamedFieldsMixin, SimpleHistoryAdmin):
    """Every document; uploads here name their record (a payment's papers are uploaded here: a payment is kept as
    recorded, so its own page takes no upload)."""

    form = DocumentUploadForm
    list_display = ["original_name", "kind", "dated_on", "record_shown", "size_shown", "sha256", "uploaded_by"]
    list_filter = ["kind"]
    search_fields = ["original_name", "description", "sha256"]
    date_hierarchy = "dated_on"
    list_select_related = ["uploaded_by"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["upload", "kind", "dated_on", "description", *RECORD_FIELDS, "replaces"]
        return [
            "file_link",
            "kind",
            "dated_on",
            "description",
            "record_shown",
            "size_shown",
            "content_type",
            "sha256",
            "replaces",
            "uploaded_by",
            "uploaded_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = _with_user(self.form, request)
        return super().get_form(request, obj, **kwargs)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.is_locked())

    def delete_queryset(self, request, queryset):
        for document in queryset:
            documents.remove_document(document=document, removed_by=request.user)

    def delete_model(self, request, obj):
        documents.remove_document(document=obj, removed_by=request.user)

    @admin.display(description="record")
    def record_shown(self, document):
        return str(document.record)


@admin.register(DocumentDownload)
class DocumentDownloadAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The download log: read-only, for the audit trail."""

    list_display = ["document", "downloaded_by", "downloaded_at"]
    list_select_related = ["document", "downloaded_by"]
    search_fields = ["document__original_name", "downloaded_by__username"]
    date_hierarchy = "downloaded_at"
