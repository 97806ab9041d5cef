"""Hostile input (RULES §9): every write operation of /api/schema/ × what an attacker sends — deep
nesting, huge strings and numbers, absurd ids and dates, bad text (lone surrogates, U+2028, RTL
marks, NUL), wrong types and shapes, truncated, empty and oversized bodies, bodies that are not
UTF-8, NaN, duplicate keys, other content types — as a parent with real rows of every kind.

Every answer is a 2xx or a 4xx in the envelope with a Chinese message, never a 5xx, and every 4xx
leaves every table exactly as it was (the rows of every table, compared after each request).
The counts by status class are printed in pytest's terminal summary (tests/security/conftest.py)."""

import hashlib
import json
import re
from collections import Counter
from datetime import timedelta

import pytest
import yaml
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_simplejwt.tokens import RefreshToken

from tests.factories import BookingFactory, ScheduleFactory, StaffFactory, UserFactory
from tests.security.conftest import HOSTILE_COUNTS
from tests.security.families import family_with_everything

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")
MB = 1024 * 1024

# One hostile value for a field, as JSON text (1e400 and NaN cannot be written by json.dumps).
FIELD_VALUES = {
    "1e400": "1e400",
    "-1e400": "-1e400",
    "10**100": str(10**100),
    "2**53+1": "9007199254740993",
    "-1": "-1",
    "0": "0",
    "1.5": "1.5",
    "true": "true",
    "string for int": '"1"',
    "empty string": '""',
    "null": "null",
    "array for scalar": "[1]",
    "object for array": '{"a": 1}',
    "far past": '"0001-01-01"',
    "far future": '"9999-12-31T23:59:59Z"',
    "U+2028": '"a\\u2028b\\u2029"',
    "RTL marks": '"\\u202eabc\\u202d\\u200f"',
    "emoji": '"😀👨\u200d👩\u200d👧"',
    "NUL": '"a\\u0000b"',
    "lone surrogate": '"\\udc00"',
    "300 characters": '"' + "长" * 300 + '"',
    "1 MB string": '"' + "a" * 1_000_000 + '"',
    "10,000 items": "[" + ",".join(["1"] * 10_000) + "]",
}

# Another content type for each body, in turn (the last is JSON still, in a charset it is not written in).
OTHER_CONTENT_TYPES = [
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=hostile",
    "",
    "application/xml",
    "application/json; charset=latin-1",
]

# The row a path's {id} points at, by the path's first segment.
PATH_ROWS = {"bookings": "booking", "makeup": "makeup", "notifications": "notification", "profiles": "profile"}


def path_row(path: str) -> str:
    return PATH_ROWS.get(path.split("/")[3], "entry")


def base_bodies(own: dict, free_class: int, full_class: int, refresh: str) -> dict:
    """A plausible body for every write operation, as {field: JSON text}, aimed at the parent's own rows."""
    p = str(own["profile"])
    return {
        ("patch", "/api/v1/auth/me"): {"sms_enabled": "false"},
        ("post", "/api/v1/auth/phone"): {"code": '"phone-code"'},
        ("post", "/api/v1/auth/refresh"): {"refresh": json.dumps(refresh)},
        ("post", "/api/v1/auth/wechat-login"): {"code": '"hostile"'},
        ("post", "/api/v1/bookings"): {"course_schedule_id": str(free_class), "profile_id": p},
        ("post", "/api/v1/bookings/{id}/cancel"): {},
        ("post", "/api/v1/bookings/{id}/leave"): {"reason": '"生病"'},
        ("delete", "/api/v1/makeup/{id}/cancel"): {},
        ("post", "/api/v1/makeup/book"): {
            "course_schedule_id": str(free_class),
            "profile_id": p,
            "original_booking_id": str(own["original_booking"]),
            "use_compensation": "false",
            "confirm_shorter": "false",
        },
        ("post", "/api/v1/notifications/{id}/read"): {},
        ("post", "/api/v1/notifications/subscriptions"): {"accepted": '["tmpl-waitlist_closed"]'},
        ("post", "/api/v1/profiles"): {"name": '"小明"', "level": "3", "birth_date": '"2018-05-01"'},
        ("patch", "/api/v1/profiles/{id}"): {"name": '"改名"', "level": "4", "birth_date": "null"},
        ("patch", "/api/v1/waitlist/{id}"): {"auto_accept": "true"},
        ("delete", "/api/v1/waitlist/{id}"): {},
        ("put", "/api/v1/waitlist/{id}/respond"): {"action": '"accept"'},
        ("post", "/api/v1/waitlist/join"): {
            "course_schedule_id": str(full_class),
            "profile_id": p,
            "makeup_id": str(own["makeup"]),
            "confirm_shorter": "false",
            "use_compensation": "false",
            "auto_accept": "false",
        },
        ("post", "/api/v1/waitlist/notify"): {"course_schedule_id": str(own["schedule"])},
    }


def as_json(fields: dict) -> str:
    return "{" + ", ".join(f"{json.dumps(name)}: {value}" for name, value in fields.items()) + "}"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def whole_bodies(fields: dict) -> list[tuple[str, bytes]]:
    """Bodies that are wrong as a whole, built around an operation's plausible body."""
    text = as_json(fields)
    first = next(iter(fields), "x")

    def with_first(value: str) -> str:
        return as_json({**fields, first: value})

    return [
        ("nested arrays, 600 deep", nested(600).encode()),
        ("nested objects, 600 deep", ('{"a":' * 600 + "1" + "}" * 600).encode()),
        ("a field 33 deep", with_first(nested(33)).encode()),
        ("a field 31 deep (the whole body 32)", with_first(nested(31)).encode()),
        ("100,000 open brackets", b"[" * 100_000),
        ("truncated", text[: len(text) // 2].encode()),
        ("empty", b""),
        ("null", b"null"),
        ("array for object", b"[]"),
        ("the body in an array", f"[{text}]".encode()),
        ("a string", b'"text"'),
        ("a number", b"1"),
        ("NaN", with_first("NaN").encode()),
        ("Infinity", with_first("Infinity").encode()),
        ("-Infinity", with_first("-Infinity").encode()),
        ("duplicate key", (text[:-1] + (", " if fields else "") + f'"{first}": null}}').encode()),
        ("not UTF-8", with_first('"\xe9\xff"').encode("latin-1")),
        ("UTF-16", text.encode("utf-16")),
        ("UTF-8 byte order mark", b"\xef\xbb\xbf" + text.encode()),
        ("lone surrogate key", as_json({**fields, "\udc00": "1"}).encode("utf-8", "surrogatepass")),
        ("NUL key", as_json({**fields, "\x00": "1"}).encode()),
        (
            "extra fields",
            as_json({**fields, "id": "1", "owner_id": "1", "is_staff": "true", "status": '"booked"'}).encode(),
        ),
        ("10,000 extra fields", as_json({**fields, **{f"f{n}": "1" for n in range(10_000)}}).encode()),
        ("3 MB", as_json({**fields, "x": '"' + "a" * (3 * MB) + '"'}).encode()),
    ]


class Corpus:
    """Sends requests, checks each answer, and compares the database after every 4xx."""

    def __init__(self, counts: Counter) -> None:
        self.counts = counts
        self.problems: list[str] = []
        tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
        self.tables = sorted(connection.ops.quote_name(table) for table in tables)
        self.before = self.fingerprint()

    def fingerprint(self) -> str:
        """Every row of every table the project's models have (Django's, Celery beat's included)."""
        digest = hashlib.blake2b()
        with connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (quoted names from introspection)
                digest.update(repr((table, sorted(cursor.fetchall(), key=repr))).encode())
        return digest.hexdigest()

    def send(self, client: Client, method: str, url: str, body: bytes, content_type: str, label: str) -> None:
        response = client.generic(method.upper(), url, body, content_type=content_type)
        status = response.status_code
        self.counts[f"{status // 100}xx"] += 1
        what = f"{method.upper()} {url} [{content_type or 'no content type'}] {label}: {status}"
        problem = self._envelope_problem(response)
        if problem:
            self.problems.append(f"{what}: {problem}")
        after = self.fingerprint()
        if 400 <= status < 500 and after != self.before:
            self.problems.append(f"{what}: a 4xx changed the database")
        self.before = after

    @staticmethod
    def _envelope_problem(response) -> str | None:
        status = response.status_code
        if not (200 <= status < 300 or 400 <= status < 500):
            return f"status {status}, body {response.content[:200]!r}"
        try:
            body = json.loads(response.content)
        except ValueError:
            return f"not JSON: {response.content[:200]!r}"
        expected = {"code", "message", "data"} | ({"error"} if status >= 400 else set())
        if not isinstance(body, dict) or set(body) != expected:
            return f"not the envelope: {body!r:.200}"
        if body["code"] != (200 if status < 300 else status):
            return f"code {body['code']}"
        if not CHINESE.search(body["message"]) or (status >= 400 and not body["error"]):
            return f"message {body['message']!r}, error {body.get('error')!r}"
        return None

    def check(self) -> None:
        assert not self.problems, f"{len(self.problems)} problems:\n" + "\n".join(self.problems[:40])


def bearer(user) -> str:
    return f"Bearer {RefreshToken.for_user(user).access_token}"


@pytest.fixture
def world(db, wechat_stub, monkeypatch, request):
    """A parent with a child and one of everything (an open offer too), another family, a staff user;
    throttles off (the corpus writes far more than 120 a minute)."""
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"write": None, "login": None})
    wechat_stub.add_phone("phone-code", "13800000000")
    parent = UserFactory()
    own = family_with_everything(parent, with_offer=True)
    foreign = family_with_everything(UserFactory())
    soon = timezone.now() + timedelta(days=3)
    free_class = ScheduleFactory(starts_at=soon).pk
    full_class = ScheduleFactory(starts_at=soon + timedelta(hours=3), capacity=1)
    BookingFactory(schedule=full_class)
    parent_client = Client(HTTP_AUTHORIZATION=bearer(parent))
    staff_client = Client(HTTP_AUTHORIZATION=bearer(StaffFactory()))
    bodies = base_bodies(own, free_class, full_class.pk, str(RefreshToken.for_user(parent)))

    def client_for(path: str) -> Client:
        return staff_client if path == "/api/v1/waitlist/notify" else parent_client

    def url(path: str, row_id=None) -> str:
        return path.replace("{id}", str(own[path_row(path)] if row_id is None else row_id))

    counts = request.config.stash.setdefault(HOSTILE_COUNTS, Counter())
    return {"bodies": bodies, "client": client_for, "url": url, "foreign": foreign, "counts": counts}


def test_the_corpus_covers_every_write_operation_of_the_schema(world):
    schema = yaml.safe_load(Client().get("/api/schema/").content)
    writes = {
        (method, path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("post", "put", "patch", "delete")
    }
    assert writes == set(world["bodies"])


def test_bodies_wrong_as_a_whole_as_json_and_as_another_content_type(world):
    corpus = Corpus(world["counts"])
    turn = 0
    for (method, path), fields in world["bodies"].items():
        client, url = world["client"](path), world["url"](path)
        for label, body in whole_bodies(fields):
            corpus.send(client, method, url, body, "application/json", label)
            other = OTHER_CONTENT_TYPES[turn % len(OTHER_CONTENT_TYPES)]
            corpus.send(client, method, url, body, other, label)
            turn += 1
    corpus.check()


def test_hostile_values_in_every_field(world):
    corpus = Corpus(world["counts"])
    for (method, path), fields in world["bodies"].items():
        client, url = world["client"](path), world["url"](path)
        for field in fields:
            without = as_json({name: value for name, value in fields.items() if name != field}).encode()
            corpus.send(client, method, url, without, "application/json", f"{field} absent")
            for label, value in FIELD_VALUES.items():
                body = as_json({**fields, field: value}).encode()
                corpus.send(client, method, url, body, "application/json", f"{field} = {label}")
    corpus.check()


def test_foreign_absent_and_absurd_ids_in_the_path(world):
    corpus = Corpus(world["counts"])
    for (method, path), fields in world["bodies"].items():
        if "{id}" not in path:
            continue
        foreign = world["foreign"][path_row(path)]
        for row_id in (foreign, 10**9, 0, -1, 2**53 + 1, 10**100, "1e3", "abc", "1.5", "%00", "%E2%80%A8"):
            url = world["url"](path, row_id)
            corpus.send(world["client"](path), method, url, as_json(fields).encode(), "application/json", "id")
    corpus.check()
