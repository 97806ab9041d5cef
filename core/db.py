"""Database helpers for services: retrying deadlock victims and lock-wait timeouts (MySQL 1213/1205)."""

import functools
import logging
import random
import time

from django.db import OperationalError, connection

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
