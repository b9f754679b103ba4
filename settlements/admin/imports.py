"""The import page in the admin: upload, preview every row (nothing written), then confirm to write it all.

The uploaded file waits between the preview and the confirmation in the documents storage, under a random
name carried in a signed token, and is deleted once confirmed.
"""

import uuid

from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from ..imports import reading, templates
from ..imports.forms import ImportForm
from ..imports.resources import SHEETS
from ..imports.run import run_import
from ..models import HeldPayment, Settlement
from .mixins.locks import ReadOnlyMixin

SALT = "settlements.import"
TOKEN_MAX_AGE = 60 * 60


def _require_editor(request) -> None:
    if not request.user.has_perm("settlements.add_settlement"):
        raise PermissionDenied("Importing needs the finance editor role.")


def import_page(request):
    """Upload and preview (nothing written), then confirm (all written, or nothing)."""
    _require_editor(request)
    form, outcome, token = ImportForm(), None, ""
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload, csv_sheet = form.cleaned_data["file"], form.cleaned_data["csv_sheet"]
            try:
                sheets = reading.read_upload(upload, upload.name, csv_sheet=csv_sheet)
            except ValidationError as error:
                form.add_error("file", error.messages[0])
            else:
                outcome = run_import(sheets=sheets, user=request.user, confirm=False)
                if not outcome.problems:
                    token = _keep(upload, csv_sheet)
    return _render(request, form, outcome, token)


def _render(request, form, outcome, token):
    context = {
        **admin.site.each_context(request),
        "title": "Import agreements from a spreadsheet",
        "opts": Settlement._meta,
        "form": form,
        "outcome": outcome,
        "token": token,
        "sheets": list(SHEETS),
        "max_rows": f"{reading.MAX_ROWS:,}",
    }
    return TemplateResponse(request, "admin/settlements/import.html", context)


def _keep(upload, csv_sheet: str) -> str:
    name = storages["documents"].save(f"imports/{uuid.uuid4().hex}", ContentFile(_read_all(upload)))
    return signing.dumps({"stored": name, "name": upload.name, "csv_sheet": csv_sheet}, salt=SALT)


def _read_all(upload) -> bytes:
    upload.seek(0)
    return upload.read()


def _confirm(request):
    try:
        kept = signing.loads(request.POST["token"], salt=SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        messages.error(request, "This preview has expired: upload the file again.")
        return redirect("admin:settlements_import")
    storage = storages["documents"]
    if not storage.exists(kept["stored"]):
        messages.error(request, "This file was imported already, or its preview expired: upload it again.")
        return redirect("admin:settlements_import")
    try:
        with storage.open(kept["stored"], "rb") as stored:
            sheets = reading.read_upload(
                _Kept(stored, storage.size(kept["stored"])), kept["name"], csv_sheet=kept["csv_sheet"]
            )
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("admin:settlements_import")
    outcome = run_import(sheets=sheets, user=request.user, confirm=True)
    if not outcome.written:
        return _render(request, ImportForm(), outcome, "")
    storage.delete(kept["stored"])
    messages.success(
        request,
        f"Imported {kept['name']}: {outcome.changes()} records written. Imported settlements are drafts: a second "
        "person approves each one, and their held payments are then recorded.",
    )
    return redirect(reverse("admin:settlements_settlement_changelist") + "?status__exact=draft")


class _Kept:
    """The kept file, with the size read_upload() checks."""

    def __init__(self, file, size: int):
        self.file, self.size = file, size

    def __getattr__(self, name):
        return getattr(self.file, name)


def import_template(request, sheet: str):
    """The template of one sheet as CSV, or of every sheet as a workbook (`sheet` "workbook")."""
    _require_editor(request)
    if sheet == "workbook":
        content, name, kind = templates.workbook(), "import-template.xlsx", "xlsx"
    elif sheet in SHEETS:
        content, name, kind = templates.csv_template(sheet), f"import-{sheet.lower()}.csv", "csv"
    else:
        raise Http404("No such template.")
    content_type = "text/csv" if kind == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class ImportPagesMixin:
    """The import page and its templates, kept under the settlements' admin URLs."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(import_page), name="settlements_import"),
            path("import/template/<str:sheet>/", view(import_template), name="settlements_import_template"),
            *super().get_urls(),
        ]


class HeldPaymentInline(ReadOnlyMixin, admin.TabularInline):
    """A draft's imported payments, shown to its approver: approving the settlement records them."""

    model = HeldPayment
    extra = 0
    verbose_name_plural = "payments held until approval (recorded with their own dates when it is approved)"
    fields = ["instalment_number", "paid_on", "amount", "reference", "payment"]
    readonly_fields = fields
    template = "admin/settlements/edit_inline/tabular.html"

    def has_view_permission(self, request, obj=None):
        return obj is not None and obj.held_payments.exists() and super().has_view_permission(request, obj)

    def get_queryset(self, request):
        return HeldPayment.objects.select_related("payment")


@admin.register(HeldPayment)
class HeldPaymentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Payments held with imported drafts: read-only; approval records them."""

    list_display = ["reference", "settlement", "instalment_number", "paid_on", "amount", "payment"]
    list_select_related = ["settlement__payer", "settlement__payee", "payment"]
    search_fields = ["reference", "settlement__alliance__name"]
