"""Database helpers for services: retrying deadlock victims and lock-wait timeouts (MySQL 1213/1205)."""

import functools
import logging
import random
import time
from typing import TypeVar

from django.db import OperationalError, connection
from django.db.models import Model, QuerySet
from django.db.models.expressions import RawSQL

from core import messages
from core.errors import BusinessError

logger = logging.getLogger(__name__)

RETRYABLE_MYSQL_ERRORS = {1213, 1205}  # ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT
MAX_ATTEMPTS = 4


def is_retryable(exc: OperationalError) -> bool:
    return bool(exc.args) and exc.args[0] in RETRYABLE_MYSQL_ERRORS


def retry_on_deadlock(func):
    """Runs a transactional service again when MySQL picked it as a deadlock victim.

    Only the outermost call retries: inside an enclosing transaction the whole transaction was
    rolled back, so the error must travel up to whoever opened it.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if connection.in_atomic_block:
            return func(*args, **kwargs)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return func(*args, **kwargs)
            except OperationalError as exc:
                if not is_retryable(exc):
                    raise
                logger.warning("%s: lock conflict %s, attempt %d", func.__name__, exc.args[0], attempt)
                if attempt == MAX_ATTEMPTS:
                    raise BusinessError.unavailable("busy", messages.BUSY) from exc
                time.sleep(random.uniform(0.01, 0.05) * attempt)
        raise AssertionError("unreachable")

    return wrapper


M = TypeVar("M", bound=Model)


def lock_rows(queryset: QuerySet[M]) -> list[M]:
    """`SELECT ... FOR UPDATE` of the rows `queryset` finds, locked through the primary key only, in
    the queryset's order.

    InnoDB's locking read locks every row it scans on the index it chose, matching or not: a query for
    one class's open offers that the optimiser runs on `(status, deadline)` waits for another class's
    offer being claimed, while that claim waits for the index entry this query holds (a deadlock seen
    on MariaDB). So the rows are found by a plain read (no locks) and then locked by `id IN (...)`,
    which can only scan the rows themselves. The rows are returned as read under the lock (the latest
    committed version). A caller holding the parent row that every writer of these rows holds (the
    schedule for its offers and entries, the profile for its credits) gets exactly the rows its query
    means; a caller without one (the outbox's resender) checks its condition again on what it got.
    """
    ids = list(queryset.values_list("pk", flat=True))
    if not ids:
        return []
    locked = queryset.model._base_manager.select_for_update().in_bulk(ids)
    return [locked[pk] for pk in ids if pk in locked]


def by_id(values: dict[int, int]) -> RawSQL:
    """An UPDATE's value that differs per row: `CASE id WHEN 1 THEN 7 WHEN 2 THEN 9 ... END`, for
    integer values (a foreign key). Django's `Case(When(pk=..., then=...))` compiles each branch as
    an expression: for a few hundred rows that took longer than the statement itself."""
    if not values or not all(isinstance(key, int) and isinstance(value, int) for key, value in values.items()):
        raise ValueError("by_id needs a non-empty mapping of integer ids to integer values")
    branches = " ".join("WHEN %s THEN %s" for _ in values)
    params = tuple(number for pair in values.items() for number in pair)
    # Only placeholders and the quoted column name are formatted into the SQL; the values are params.
    return RawSQL(f"CASE {connection.ops.quote_name('id')} {branches} END", params)  # noqa: S611
