"""The record behind a change page is read once per request: its buttons, notes and locks ask about the object the
admin already fetched, and on a GET, which changes nothing, each question about it is answered once."""

from django.contrib.admin.utils import unquote

SAFE_METHODS = ("GET", "HEAD")


def asked_once(request, obj, question: str, answer):
    """`answer(obj)`, worked out once per GET for this record; on a POST every time, as its form changes the record."""
    if request.method not in SAFE_METHODS or obj is None or obj.pk is None:
        return answer(obj)
    answers = request.__dict__.setdefault("_admin_answers", {})
    key = (obj._meta.label, obj.pk, question)
    if key not in answers:
        answers[key] = answer(obj)
    return answers[key]


class ChangePageMixin:
    """Fetch the record once per request; each mixin adds what it shows on the page in `change_page_context`."""

    def get_object(self, request, object_id, from_field=None):
        fetched = request.__dict__.setdefault("_admin_objects", {})
        key = (self.model._meta.label, object_id, from_field)
        if key not in fetched:
            fetched[key] = super().get_object(request, object_id, from_field)
        return fetched[key]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        context = {**(extra_context or {}), **self.change_page_context(request, obj)}
        return super().change_view(request, object_id, form_url, context)

    def change_page_context(self, request, obj) -> dict:
        """Extra context and notes for the change page of `obj` (None if there is no such record).

        A mixin puts its own keys first and then what the mixins after it return, so the later word wins: a closed
        year's lock hides the buttons an approval mixin offered.
        """
        return {}
