"""The admin, one module per area; importing them registers their pages (the user pages included)."""

from . import documents, imports, parties, schedule, settlements, users, years  # noqa: F401
