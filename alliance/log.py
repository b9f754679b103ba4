"""What the server's log says about a request: its method, path and user, on each line logged while serving it."""

import logging

from simple_history.models import HistoricalRecords


class RequestContext(logging.Filter):
    """Adds `request_line` (" [GET /path user=alice]", or nothing outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        # django.request passes the request with its records; elsewhere the one being served is the one
        # simple_history's middleware keeps for the history of changes.
        request = getattr(record, "request", None) or getattr(HistoricalRecords.context, "request", None)
        record.request_line = "" if request is None else f" [{describe(request)}]"
        return True


def describe(request) -> str:
    """'GET /reports/?fy=2020/21 user=alice'."""
    method = getattr(request, "method", None) or "-"
    try:
        path = request.get_full_path()
    except Exception:  # a request too broken to describe still gets its error logged
        path = getattr(request, "path", "-")
    return f"{method} {path} user={user_of(request)}"


def user_of(request) -> str:
    # Only a user already looked up: a log line must not query the database, which may be what failed.
    user = getattr(request, "_cached_user", None)
    if user is None:
        return "-"
    return user.get_username() or "anonymous"
