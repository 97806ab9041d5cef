"""docs/rules.md §9-10: a request body that is not plain, sane JSON is a 4xx envelope, refused in one
place (core.api.StrictJSONParser, the envelope's handler, core.middleware.PayloadLimitMiddleware)."""

import pytest
from django.conf import settings as django_settings

from accounts.models import Profile
from core.api import MAX_JSON_DEPTH, json_too_deep
from courses.models import Booking
from tests.factories import BookingFactory

pytestmark = pytest.mark.django_db

MALFORMED = {"code": 400, "message": "请求格式错误", "error": "validation_error"}
TOO_LARGE = {"code": 413, "message": "请求内容过大", "error": "payload_too_large", "data": None}
LIMIT = 2_621_440  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE, which the project keeps


def post_profile(client, body: bytes | str, content_type="application/json", **extra):
    return client.generic("POST", "/api/v1/profiles", body, content_type=content_type, **extra)


def assert_malformed(response):
    body = response.json()
    assert response.status_code == 400
    assert {key: body[key] for key in MALFORMED} == MALFORMED
    assert Profile.objects.count() == 0


def nested(kind: str, depth: int) -> str:
    opening, closing = ("[", "]") if kind == "array" else ('{"a":', "}")
    return '{"name": "乐乐", "level": 1, "extra": ' + opening * depth + "1" + closing * depth + "}"


def test_the_limit_kept_is_djangos_default():
    assert django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE == LIMIT


@pytest.mark.parametrize("kind", ["array", "object"])
def test_32_levels_are_parsed(parent_client, kind):
    # The body's own object is one level: `extra` 31 deep makes 32 in all.
    response = post_profile(parent_client, nested(kind, MAX_JSON_DEPTH - 1))
    assert response.status_code == 200  # parsed; the unknown field is ignored
    assert Profile.objects.count() == 1


@pytest.mark.parametrize("kind", ["array", "object"])
@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH, 1000, 100_000])
def test_nesting_deeper_than_32_is_400_malformed_never_a_recursion_error(parent_client, kind, depth):
    response = post_profile(parent_client, nested(kind, depth))
    assert_malformed(response)
    assert response.json()["data"]["detail"] == "JSON nested deeper than 32 levels"


@pytest.mark.parametrize(
    ("text", "too_deep"),
    [
        ("[" * 33 + "]" * 33, True),
        ("[" * 32 + "]" * 32, False),
        ("[" * 33, True),  # truncated: the parser would still recurse before noticing
        ('["' + "[" * 40 + '"]', False),  # brackets inside a string
        ('["\\"' + "[" * 40 + '"]', False),  # after an escaped quote, still inside the string
        ('["\\\\"' + ", [" * 40, True),  # an escaped backslash ends before the quote: the string closes
        ('["\\\\\\"' + "[" * 40 + '"]', False),  # backslash, then an escaped quote: still inside
        ("]" * 40 + "[" * 33, False),  # the parser stops at the first "]", no deeper than it went
        ('{"a": "x"}' * 40, False),
    ],
)
def test_depth_is_counted_outside_strings_only(text, too_deep):
    assert json_too_deep(text) is too_deep


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
def test_numbers_json_has_no_value_for_are_400_malformed(parent_client, literal):
    assert_malformed(post_profile(parent_client, '{"name": "乐乐", "level": ' + literal + "}"))


def test_a_key_twice_in_one_object_is_400_malformed(parent_client):
    response = post_profile(parent_client, '{"name": "乐乐", "name": "豆豆", "level": 1}')
    assert_malformed(response)
    assert "duplicate key" in response.json()["data"]["detail"]


def test_duplicate_keys_in_a_nested_object_are_refused_too(parent_client):
    assert_malformed(post_profile(parent_client, '{"name": "乐乐", "level": 1, "x": {"a": 1, "a": 2}}'))


@pytest.mark.parametrize(
    "body",
    ['{"name": "caf\xe9", "level": 1}'.encode("latin-1"), b'{"name": "\xff\xfe", "level": 1}', b"\xc3"],
)
def test_a_body_that_is_not_utf8_is_400_malformed(parent_client, body):
    assert_malformed(post_profile(parent_client, body))


def test_a_body_in_the_charset_it_names_is_read_in_that_charset(parent_client):
    body = '{"name": "乐乐", "level": 1}'.encode("gb18030")
    response = post_profile(parent_client, body, content_type="application/json; charset=gb18030")
    assert response.status_code == 200
    assert Profile.objects.get().name == "乐乐"


def test_malformed_json_is_400_with_the_parsers_detail(parent_client):
    response = post_profile(parent_client, '{"name": "乐乐", "lev')
    assert_malformed(response)
    assert response.json()["data"]["detail"].startswith("JSON parse error - ")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_another_content_type_stays_415_in_chinese(parent_client, content_type):
    response = post_profile(parent_client, "name=乐乐&level=1", content_type=content_type)
    assert response.status_code == 415
    assert response.json() == {
        "code": 415,
        "message": "请求格式不支持，请使用 JSON",
        "error": "unsupported_media_type",
        "data": None,
    }
    assert Profile.objects.count() == 0


@pytest.mark.parametrize("size", [LIMIT + 1, 3_000_000, 12_000_000, 50_000_000])
def test_a_body_over_the_limit_is_413(parent_client, size):
    body = b'{"name": "' + b"a" * (size - 24) + b'", "level": 1}'
    assert len(body) == size
    response = post_profile(parent_client, body)
    assert response.status_code == 413
    assert response.json() == TOO_LARGE
    assert Profile.objects.count() == 0


def test_a_body_at_the_limit_is_read(parent_client):
    body = b'{"name": "' + b"a" * (LIMIT - 24) + b'", "level": 1}'
    response = post_profile(parent_client, body)
    assert response.status_code == 400  # parsed, and the name is too long: a field error
    assert response.json()["message"] == "参数错误"
    assert "name" in response.json()["data"]


def test_an_announced_length_over_the_limit_is_refused_unread(parent_client, profile):
    # The body is tiny; only its Content-Length says otherwise: nothing reads it to find out.
    response = post_profile(parent_client, '{"name": "豆豆", "level": 1}', CONTENT_LENGTH=str(LIMIT + 1))
    assert response.status_code == 413
    assert response.json() == TOO_LARGE


def test_an_endpoint_that_reads_no_body_refuses_an_oversized_one_too(parent_client, profile):
    booking = BookingFactory(profile=profile)
    response = parent_client.generic(
        "POST", f"/api/v1/bookings/{booking.pk}/cancel", b"x" * (LIMIT + 1), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json() == TOO_LARGE
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED


def test_an_oversized_body_past_the_middleware_is_413_from_the_handler(parent_client, settings):
    """Django raises RequestDataTooBig where DRF reads the body; the envelope's handler answers it."""
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if not name.endswith("PayloadLimitMiddleware")]
    response = post_profile(parent_client, b'{"name": "' + b"a" * LIMIT + b'", "level": 1}')
    assert response.status_code == 413
    assert response.json() == TOO_LARGE


def test_the_admin_keeps_djangos_own_handling_of_big_forms(admin_client):
    response = admin_client.generic(
        "POST", "/admin/login/", b"a=" + b"b" * (LIMIT + 1), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400  # Django's page for RequestDataTooBig, not the API's envelope
    assert response["Content-Type"].startswith("text/html")
