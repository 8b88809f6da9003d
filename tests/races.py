"""Races made to happen every time, on PostgreSQL (tests marked `postgres`, with
`transaction=True`): one side holds its transaction open until the other waits on it."""

import threading
import time
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import connection, transaction


def behind_a_transaction(first, second):
    """`first` runs in a transaction on a connection of its own, which commits only once
    `second` (run here, after `first` has written) is waiting for one of its locks: so
    `second` checks before `first`'s write is visible and writes after it is. That is the
    losing side of a check-then-insert race, every time. The outcome of `second`; a
    `second` that never waited made no race, and fails the test."""
    written, waited = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                first()
                written.set()
                deadline = time.monotonic() + 10
                with connection.cursor() as cursor:
                    while time.monotonic() < deadline:
                        cursor.execute("SELECT pg_stat_clear_snapshot()")
                        cursor.execute(
                            "SELECT count(*) FROM pg_stat_activity"
                            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                        )
                        if cursor.fetchone()[0]:
                            waited.set()
                            break
                        time.sleep(0.02)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert written.wait(timeout=10)
        try:
            outcome = ("ok", second())
        except ValidationError as error:
            outcome = ("refused", error)
    finally:
        holder.join(timeout=30)
    assert waited.is_set(), "the second never waited for the first: no race was made"
    return outcome


@contextmanager
def row_locked_elsewhere(model, pk):
    """For the block, another transaction (a thread with a connection of its own) holds the
    lock of `model`'s row `pk`, as a concurrent write would."""
    locked, release = threading.Event(), threading.Event()

    def hold():
        from django.db import connection as thread_connection

        try:
            with transaction.atomic():
                model.objects.select_for_update().get(pk=pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            thread_connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(timeout=10), "the other transaction never took the lock"
        yield
    finally:
        release.set()
        holder.join()
