"""A closed year refused by the database reaches the person as a page that says why, never as a server error."""

from django.db import IntegrityError
from django.shortcuts import render

from settlements import triggers

# Every closed-year trigger's message contains this (migrations 0004 and 0011).
CLOSED_YEAR_REFUSAL = "in a closed financial year cannot be added, changed or removed"


class ClosedYearRefusalMiddleware:
    """The services and the admin refuse such changes first, with their own message; this catches any path
    they do not cover, such as two people at once, after the transaction has been rolled back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, IntegrityError) or CLOSED_YEAR_REFUSAL not in str(exception):
            return None
        message = triggers.explain(exception) or str(exception).splitlines()[0]
        return render(request, "closed_year.html", {"message": message}, status=409)
