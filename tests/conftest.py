"""Data built once per module where the tests run in a transaction, such as the report tests' world (scenarios.py).

A `*_built_once` fixture writes its rows in a transaction that stays open for the module's tests and is rolled back
after the last. Each test then runs in a savepoint inside it (pytest-django's `db`), so what a test writes is undone
before the next, as under Django's `setUpTestData`. A module that uses one must not also hold transactional tests.
"""

import copy

import pytest

from tests.built_once import built_once
from tests.scenarios import World, build_world

BUILT_ONCE = "_built_once"  # the suffix of the module-scoped fixtures whose tests run last


def pytest_collection_modifyitems(items):
    """In each module the tests of data built once run last, so that the module's other tests never see it."""
    modules = {}
    for item in items:
        modules.setdefault(getattr(item, "module", None), len(modules))

    def order(item):
        shared = any(name.endswith(BUILT_ONCE) for name in item.fixturenames)
        return modules[getattr(item, "module", None)], shared

    items.sort(key=order)


@pytest.fixture(scope="module")
def world_built_once(django_db_setup, django_db_blocker) -> World:
    yield from built_once(django_db_blocker, build_world)


@pytest.fixture
def world(world_built_once, db) -> World:
    """A copy per test, so that a test that changes a row object in memory leaves the next test's alone."""
    return copy.deepcopy(world_built_once)


@pytest.fixture
def world_of_its_own(transactional_db) -> World:
    """Built and committed for one test: a live server's thread reads it through a connection of its own."""
    return build_world()
