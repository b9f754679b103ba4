"""Fixtures shared by every test module."""

import os

# Playwright's sync API keeps an event loop in the main thread; Django's ORM must still run there in tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest


def pytest_collection_modifyitems(config, items):
    """A browser test is a slow test too: `make test-fast` (`-m "not slow"`) leaves both out."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium"}


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("super", "super@example.police.uk", "correct-horse-battery")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client
