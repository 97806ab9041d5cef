"""Hot reads (the class list, a parent's waitlist, the make-up search) served from the cache until
anything they could show changes.

Two kinds of version say when an entry is no longer true:
- Scoped versions, one per class, one per family (a parent and their children) and one for "any
  class". A write that holds a class's lock (`courses.locks.schedule_lock`) or a child's
  (`accounts.locks.profile_lock`) bumps that class's or that family's version when it takes the lock
  and again after its transaction commits (`touch`): every write that changes a class's seats, queue
  or offers holds the class's lock, and every write that adds to a family's lists holds the child's.
  A read declares, before it reads them, the classes and the family it shows (`depends_on`); a hit is
  used only while their versions are unchanged. So a join in one class ends the cached pages that show
  that class and the joining family's own lists, not every cached answer.
- One global version, bumped by every statement that writes a table a read could show, whatever wrote
  it, unless the statement writes a class's or a family's rows inside a transaction that holds such a
  lock (then the scoped versions cover it): a test factory, `QuerySet.update` outside the services, the
  admin's edit of a class or a course, a migration. Every entry depends on it, so a bump ends every
  older entry. It is bumped right after the statement and again after the commit, so a
  read that ran between the two cannot keep what it saw (the scoped versions likewise).

Time changes reads too (a deadline passes, a class starts): each entry carries the moment it stops
being true (`valid_until`, computed by the read itself) and a cap of HOT_READS_SECONDS; a hit is only
used before both. So does a deploy: keys carry a digest of the sources (`RELEASE`).

The cache is never needed: when it cannot be reached, reads are computed from the database and
writes go on. Disabled (HOT_READS_SECONDS = 0) without a shared cache (no REDIS_URL), because then
a worker's writes could not reach the web process's memory. Decisions: docs/decisions.md.
"""

import hashlib
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
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
# A class's and a family's rows: covered by the scoped versions when written under their locks.
SCOPED_TABLES = re.compile(r"(?:courses_booking|waitlist|waitlist_waitlistoffer|waitlist_notification|waitlist_flow)$")
CLASS_KEY = "hot:class:{}"
FAMILY_KEY = "hot:family:{}"
ANY_CLASS_KEY = "hot:classes"
_reading = threading.local()  # the versions the compute running in this thread depends on


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


def _incr(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # never set, or evicted: start above any number used before
        cache.add(key, time.time_ns(), timeout=None)
        cache.incr(key)


def _redis():
    """The Redis client behind the cache, or None for another backend (tests' local memory)."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, RedisCache):
        return backend._cache.get_client(write=True)  # Django's own client: same keys, same serializer
    return None


def _bump(*keys: str) -> None:
    """Increments each version, in one round trip on Redis: a version never set (or evicted)
    starts above any number used before (SET NX of the current time in ns, then INCR)."""
    keys = keys or (VERSION_KEY,)
    try:
        client = _redis()
        if client is None:
            for key in keys:
                _incr(key)
            return
        start = time.time_ns()
        with client.pipeline(transaction=False) as pipe:
            for key in keys:
                full_key = cache.make_and_validate_key(key)
                pipe.set(full_key, start, nx=True)
                pipe.incr(full_key)
            pipe.execute()
    except Exception:  # noqa: BLE001 (the cache is never needed; entries expire within HOT_READS_SECONDS)
        logger.warning("hot reads: could not bump %s", keys, exc_info=True)


class _Scope:
    """The classes and families a transaction holds locks on; bumped once more after the commit."""

    def __init__(self) -> None:
        self.keys: set[str] = set()

    def __call__(self) -> None:
        _bump(*sorted(self.keys))


def _scope(connection) -> _Scope | None:
    """The transaction's scope, if this transaction registered one (a rollback drops its hook)."""
    scope = getattr(connection, "_hot_reads_scope", None)
    if scope is not None and any(entry[1] is scope for entry in connection.run_on_commit):
        return scope
    return None


def touch(*, schedule_ids: Iterable[int] = (), family_id: int | None = None) -> None:
    """A transaction locked these classes or this family's child: it may change what their hot reads
    show. Bumps their versions now and after the commit (one round trip each). Called by the locks."""
    if not settings.HOT_READS_SECONDS:
        return
    keys = [CLASS_KEY.format(pk) for pk in schedule_ids]
    if keys:
        keys.append(ANY_CLASS_KEY)
    if family_id is not None:
        keys.append(FAMILY_KEY.format(family_id))
    _bump(*keys)
    connection = connections[DEFAULT_DB_ALIAS]
    if not connection.in_atomic_block:
        return
    scope = _scope(connection)
    if scope is None:
        scope = connection._hot_reads_scope = _Scope()
        transaction.on_commit(scope, using=connection.alias)
    scope.keys.update(keys)


def depends_on(*, classes=(), family_id: int | None = None, any_class: bool = False) -> None:
    """Called by a hot read's compute before it reads what these cover: the answer is kept only while
    their versions stay as they are now. The family: the parent (user) whose children it shows."""
    deps = getattr(_reading, "deps", None)
    if deps is None or not settings.HOT_READS_SECONDS:
        return
    keys = [CLASS_KEY.format(pk) for pk in classes]
    if family_id is not None:
        keys.append(FAMILY_KEY.format(family_id))
    if any_class:
        keys.append(ANY_CLASS_KEY)
    keys = [key for key in keys if key not in deps]
    if not keys:
        return
    try:
        versions = cache.get_many(keys)
    except Exception:  # noqa: BLE001
        logger.warning("hot reads: cache unreachable, the answer is not kept", exc_info=True)
        _reading.failed = True
        return
    deps.update({key: versions.get(key) for key in keys})


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
        write = WRITE.match(sql)
        if write and SCOPED_TABLES.match(write.group(1)) and connection.in_atomic_block and _scope(connection):
            return result  # a class's or a family's rows, under its lock: the scoped versions cover it
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
    # The entry holds the versions it was computed at, the global one among them: a hit costs one
    # read of the entry and one MGET of those versions.
    full_key = f"hot:{RELEASE}:{hashlib.sha256(key.encode()).hexdigest()}"
    try:
        hit = cache.get(full_key)
        if hit is not None and now.timestamp() < hit["until"] and _unchanged(hit["deps"]):
            return hit["data"]
        version = cache.get(VERSION_KEY)  # read before the data, like every version
        if version is None:
            cache.add(VERSION_KEY, time.time_ns(), timeout=None)
            version = cache.get(VERSION_KEY)
    except Exception:  # noqa: BLE001
        logger.warning("hot reads: cache unreachable, reading the database", exc_info=True)
        return compute()[0]
    _reading.deps, _reading.failed = {VERSION_KEY: version}, False
    try:
        data, valid_until = compute()
    finally:
        deps, failed = _reading.deps, _reading.failed
        _reading.deps = None
    until = now + timedelta(seconds=seconds)
    if valid_until is not None:
        until = min(until, valid_until)
    if until > now and not failed:
        try:
            cache.set(
                full_key,
                {"until": until.timestamp(), "data": data, "deps": deps},
                timeout=max(1, math.ceil((until - now).total_seconds())),
            )
        except Exception:  # noqa: BLE001
            logger.warning("hot reads: could not store %s", key, exc_info=True)
    return data


def _unchanged(deps: dict) -> bool:
    versions = cache.get_many(list(deps))
    return all(versions.get(key) == version for key, version in deps.items())


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
