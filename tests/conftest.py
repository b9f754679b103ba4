"""The report tests' world (tests/scenarios.py), built once per module where the tests run in a transaction."""

import copy

import pytest
from django.test import TestCase

from tests.scenarios import World, build_world


def pytest_collection_modifyitems(items):
    """In each module the tests of the shared world run last, so that the module's other tests never see it."""
    modules = {}
    for item in items:
        modules.setdefault(getattr(item, "module", None), len(modules))
    items.sort(key=lambda item: (modules[getattr(item, "module", None)], "world_built_once" in item.fixturenames))


@pytest.fixture(scope="module")
def world_built_once(django_db_setup, django_db_blocker) -> World:
    """Written in a transaction that stays open for the module's tests and is rolled back after the last.

    Each test then runs in a savepoint inside it (pytest-django's `db`), so what a test writes is undone before
    the next, as under Django's `setUpTestData`. A module that uses it must not also hold transactional tests.
    """
    with django_db_blocker.unblock():
        atomics = TestCase._enter_atomics()
        try:
            world = build_world()
        except BaseException:
            TestCase._rollback_atomics(atomics)
            raise
    yield world
    with django_db_blocker.unblock():
        TestCase._rollback_atomics(atomics)


@pytest.fixture
def world(world_built_once, db) -> World:
    """A copy per test, so that a test that changes a row object in memory leaves the next test's alone."""
    return copy.deepcopy(world_built_once)


@pytest.fixture
def world_of_its_own(transactional_db) -> World:
    """Built and committed for one test: a live server's thread reads it through a connection of its own."""
    return build_world()
