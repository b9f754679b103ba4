"""Rows written once for a module's tests, in a transaction rolled back after the last (see tests/conftest.py)."""

from django.test import TestCase


def built_once(django_db_blocker, build):
    """The body of a module-scoped fixture: yields what `build()` returns, its rows rolled back at the end."""
    with django_db_blocker.unblock():
        atomics = TestCase._enter_atomics()
        try:
            built = build()
        except BaseException:
            TestCase._rollback_atomics(atomics)
            raise
    yield built
    with django_db_blocker.unblock():
        TestCase._rollback_atomics(atomics)
