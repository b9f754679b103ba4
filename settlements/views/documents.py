"""Documents leave only through here: to a signed-in user who may read the record, as a download."""

from django.http import FileResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404

from settlements.models import Document
from settlements.services import documents


def download(request, pk: int):
    document = get_object_or_404(Document, pk=pk)
    if not documents.may_read(request.user, document):
        documents.open_for_download(document=document, user=request.user)  # refuses with the reason
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    response = FileResponse(
        documents.open_for_download(document=document, user=request.user),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
