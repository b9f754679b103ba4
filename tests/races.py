"""Two or more writers at once on PostgreSQL, each on its own connection, released together by a barrier.

Row locks, advisory locks and deadlocks only show between real transactions, so a test that races writers is
marked `django_db(transaction=True)` and skips unless the database is PostgreSQL (see `postgresql_only`).
Build each round's rows before the race, outside the threads; repeat many rounds, since a race that loses
one time in ten passes a single try.
"""

import threading

import pytest
from django.db import close_old_connections, connection


def race(*writers):
    """Run the writers together once; each writer's result or exception, in order."""
    barrier = threading.Barrier(len(writers))
    results = [None] * len(writers)

    def run(index, write):
        try:
            barrier.wait(timeout=10)
            results[index] = write()
        except Exception as error:  # the test decides which refusals are allowed
            results[index] = error
        finally:
            connection.close()  # or the test database cannot be dropped at the end

    threads = [threading.Thread(target=run, args=(n, w)) for n, w in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    close_old_connections()
    return results


def skip_unless_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("row locks, advisory locks and deadlocks need PostgreSQL")
