"""Hot reads (the class list, a parent's waitlist, the make-up search) served from the cache until
anything they could show changes.

Correctness does not rest on anyone remembering to invalidate: every statement that writes to a
table a read could show (anything but the outbox, sessions, beat's tables, the heartbeat and the
admin log) bumps one version number, whatever wrote it (a service, `QuerySet.update`, the admin, a
worker, a migration). Entries are keyed by that version, so a bump makes every older entry
unreachable. The bump happens right after the statement and again after the transaction commits,
so a read that ran between the two cannot keep what it saw. Time changes reads too (a deadline
passes, a class starts): each entry carries the moment it stops being true (`valid_until`, computed
by the read itself) and a cap of HOT_READS_SECONDS; a hit is only used before both. So does a
deploy: keys carry a digest of the sources (`RELEASE`).

The cache is never needed: when it cannot be reached, reads are computed from the database and
writes go on. Disabled (HOT_READS_SECONDS = 0) without a shared cache (no REDIS_URL), because then
a worker's writes could not reach the web process's memory. Decisions: docs/decisions.md.
"""

import hashlib
import logging
import math
import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.backends.signals import connection_created
from django.http import HttpResponse
from django.utils import timezone
from rest_framework.response import Response

logger = logging.getLogger(__name__)

VERSION_KEY = "hot:version"
WRITE = re.compile(
    r"\s*(?:INSERT\s+(?:IGNORE\s+)?INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+[`\"]?(\w+)", re.IGNORECASE
)
SCHEMA = re.compile(r"\s*(?:TRUNCATE|ALTER|DROP|CREATE|RENAME)\b", re.IGNORECASE)
# Tables no hot read shows; writing them (often: the outbox, the heartbeat) must not empty the cache.
QUIET_TABLES = re.compile(r"notifications_|core_heartbeat$|django_session$|django_celery_beat_|django_admin_log$")


def _release() -> str:
    """A digest of the project's Python sources: answers cached by one release are never served by
    another (a deploy may change an answer's shape without writing to the database)."""
    digest = hashlib.sha256()
    root = Path(settings.BASE_DIR)
    packages = sorted(
        path for path in root.iterdir() if (path / "__init__.py").exists() and path.name not in ("tests", "bench")
    )
    for path in sorted(file for package in packages for file in package.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


RELEASE = _release()


def _bump() -> None:
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # never set, or evicted: start above any number used before
            cache.add(VERSION_KEY, time.time_ns(), timeout=None)
            cache.incr(VERSION_KEY)
    except Exception:  # noqa: BLE001 (the cache is never needed; entries expire within HOT_READS_SECONDS)
        logger.warning("hot reads: could not bump the version", exc_info=True)


def _bump_after_commit() -> None:
    _bump()


def changes_reads(sql: str) -> bool:
    write = WRITE.match(sql)
    if write:
        return not QUIET_TABLES.match(write.group(1))
    return bool(SCHEMA.match(sql))


def _watch_writes(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if settings.HOT_READS_SECONDS and changes_reads(sql):
        connection = context["connection"]
        _bump()
        if connection.in_atomic_block and not any(entry[1] is _bump_after_commit for entry in connection.run_on_commit):
            transaction.on_commit(_bump_after_commit, using=connection.alias)
    return result


def watch_connection(sender, connection, **kwargs) -> None:
    """connection_created: every connection of every process watches its writes."""
    if _watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch_writes)


connection_created.connect(watch_connection, dispatch_uid="core.hot_reads.watch_connection")


def cached(key: str, compute: Callable[[], tuple[Any, datetime | None]]) -> Any:
    """compute() -> (data, valid_until or None); data from the cache while it is still true."""
    seconds = settings.HOT_READS_SECONDS
    if not seconds:
        return compute()[0]
    now = timezone.now()
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, time.time_ns(), timeout=None)
            version = cache.get(VERSION_KEY)
        full_key = f"hot:{RELEASE}:{version}:{hashlib.sha256(key.encode()).hexdigest()}"
        hit = cache.get(full_key)
    except Exception:  # noqa: BLE001
        logger.warning("hot reads: cache unreachable, reading the database", exc_info=True)
        return compute()[0]
    if hit is not None and now.timestamp() < hit["until"]:
        return hit["data"]
    data, valid_until = compute()
    until = now + timedelta(seconds=seconds)
    if valid_until is not None:
        until = min(until, valid_until)
    if until > now:
        try:
            cache.set(
                full_key,
                {"until": until.timestamp(), "data": data},
                timeout=max(1, math.ceil((until - now).total_seconds())),
            )
        except Exception:  # noqa: BLE001
            logger.warning("hot reads: could not store %s", key, exc_info=True)
    return data


def answer(
    key: str, compute: Callable[[], tuple[Any, datetime | None]], refresh: Callable[[Any, datetime], bool] | None = None
) -> HttpResponse | Response:
    """A list answer through `cached`, kept as its rendered envelope: a hit is sent as it was stored.
    refresh(data, now) updates the parts that are never cached (countdowns) in place and says whether
    there were any; an answer with such parts is kept as data and refreshed on every request."""
    from core.api import EnvelopeRenderer, messages

    def entry():
        data, valid_until = compute()
        if refresh is not None and refresh(data, timezone.now()):
            return {"data": data}, valid_until
        body = EnvelopeRenderer().render({"code": 200, "message": messages.OK, "data": data})
        return {"body": body}, valid_until

    value = cached(key, entry)
    if "body" in value:
        return HttpResponse(value["body"], content_type="application/json; charset=utf-8")
    refresh(value["data"], timezone.now())
    return Response(value["data"])


def earliest(*moments: datetime | None, after: datetime) -> datetime | None:
    """The first moment, from `after` on, at which a read stops being true (None: no such moment).
    A read that changes at `after` itself is not kept at all."""
    ahead = [moment for moment in moments if moment is not None and moment >= after]
    return min(ahead) if ahead else None
