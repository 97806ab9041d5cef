"""What every endpoint shares: the response envelope (docs/rules.md §10), error mapping, pagination,
throttling and the health check."""

import json
import logging
import math
from itertools import accumulate
from typing import Any

from celery import current_app as current_celery_app
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import Http404, HttpRequest, JsonResponse
from django.utils import timezone
from django.views.defaults import page_not_found, server_error
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle

from core import messages
from core.errors import BusinessError
from core.models import Heartbeat

logger = logging.getLogger(__name__)


def ok(data: Any = None, message: str = messages.OK) -> Response:
    """A success answer; the renderer wraps it as {code: 200, message, data}."""
    response = Response(data)
    response.envelope_message = message
    return response


def error_body(status: int, error: str, message: str, data: Any = None) -> dict:
    return {"code": status, "message": message, "error": error, "data": data}


class EnvelopeRenderer(JSONRenderer):
    """Wraps every successful DRF answer as {code, message, data}; error answers arrive wrapped."""

    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None and not getattr(response, "enveloped", False):
            if response.status_code < 400:
                message = getattr(response, "envelope_message", messages.OK)
                data = {"code": 200, "message": message, "data": data}
            else:  # an error DRF produced without our handler (should not happen; keep the shape anyway)
                data = error_body(response.status_code, "error", messages.SERVER_ERROR, data)
        return super().render(data, accepted_media_type, renderer_context)


def _error_response(status: int, error: str, message: str, data: Any = None, headers=None) -> Response:
    response = Response(error_body(status, error, message, data), status=status, headers=headers)
    response.enveloped = True
    return response


def envelope_exception_handler(exc: Exception, context: dict) -> Response:
    """Maps every exception of a DRF view to the envelope. Never lets a 500 page escape.

    A 4xx is a normal answer (a full waitlist, an offer that lapsed, a bad field): one INFO line
    with its machine code, instead of Django's `WARNING django.request`, which stays for real trouble."""
    response = _envelope_for(exc, context)
    if response.status_code < 500:
        request = context.get("request")
        logger.info(
            "%s %s answered %s %s",
            getattr(request, "method", "-"),
            getattr(request, "path", "-"),
            response.status_code,
            response.data["error"],
        )
        response._has_been_logged = True  # Django's log_response skips it
    return response


def _envelope_for(exc: Exception, context: dict) -> Response:
    if isinstance(exc, BusinessError):
        return _error_response(exc.status, exc.error, exc.message, exc.data)
    if isinstance(exc, exceptions.ValidationError):
        return _error_response(400, "validation_error", messages.VALIDATION_ERROR, exc.detail)
    if isinstance(exc, exceptions.ParseError):
        return _error_response(400, "validation_error", messages.MALFORMED_REQUEST, {"detail": str(exc.detail)})
    if isinstance(exc, RequestDataTooBig):  # DRF reads `request.body` for JSON: Django's size limit
        return _error_response(413, "payload_too_large", messages.PAYLOAD_TOO_LARGE)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return _error_response(
            401, "not_authenticated", messages.NOT_AUTHENTICATED, headers={"WWW-Authenticate": 'Bearer realm="api"'}
        )
    if isinstance(exc, exceptions.PermissionDenied | DjangoPermissionDenied):
        return _error_response(403, "permission_denied", messages.PERMISSION_DENIED)
    if isinstance(exc, exceptions.NotFound | Http404):
        return _error_response(404, "not_found", messages.NOT_FOUND)
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait) if exc.wait is not None else None
        headers = {"Retry-After": str(wait)} if wait is not None else None
        return _error_response(429, "throttled", messages.THROTTLED, {"wait_seconds": wait}, headers=headers)
    if isinstance(exc, exceptions.MethodNotAllowed):
        return _error_response(405, "method_not_allowed", messages.METHOD_NOT_ALLOWED)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return _error_response(415, "unsupported_media_type", messages.UNSUPPORTED_MEDIA_TYPE)
    if isinstance(exc, exceptions.NotAcceptable):
        return _error_response(406, "not_acceptable", messages.UNSUPPORTED_MEDIA_TYPE)
    view = context.get("view")
    logger.exception("Unhandled error in %s", type(view).__name__ if view else "view", exc_info=exc)
    return _error_response(500, "server_error", messages.SERVER_ERROR)


def _has_lone_surrogate(value) -> bool:
    if isinstance(value, str):
        return any(0xD800 <= ord(char) <= 0xDFFF for char in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False


def hot_reads_key(request, name: str) -> str:
    """A hot read's cache key: the caller and the whole request (host and query: the page links)."""
    return f"{name}:{request.user.pk}:{request.get_host()}:{request.get_full_path()}"


MAX_JSON_DEPTH = 32  # the deepest body of the API is 2 (a list inside an object): room to spare
_DEPTH_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 and -1 as signed bytes
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")


def json_too_deep(text: str) -> bool:
    """Whether the arrays and objects of a JSON text open deeper than MAX_JSON_DEPTH (brackets inside
    strings aside), told without parsing: the parser recurses once per level (1,000 are a RecursionError).

    Only C loops: escaped backslashes, then escaped quotes are dropped, so every quote left opens or
    closes a string, and every other piece between quotes is outside one; a body at Django's size limit
    takes a fraction of a second at worst. Up to a text's first syntax error the parser sees the same
    strings, so it never goes deeper than this."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return False
    outside_strings = "".join(text.replace("\\\\", "").replace('\\"', "").split('"')[::2])
    steps = outside_strings.encode("utf-8", "surrogatepass").translate(_DEPTH_STEPS, _NOT_BRACKETS)
    return max(accumulate(memoryview(steps).cast("b")), default=0) > MAX_JSON_DEPTH


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # 1e400: legal JSON, but no number of ours
        raise ValueError(f"number out of range: {text[:32]}")
    return value


def _object_without_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    data = dict(pairs)
    if len(data) != len(pairs):  # which of two values is meant? refuse rather than guess
        raise ValueError("duplicate key in an object")
    return data


class StrictJSONParser(JSONParser):
    """JSON that means exactly one thing and is also valid text; anything else is a ParseError, which
    the envelope answers 400 `请求格式错误`:
    - nesting deeper than MAX_JSON_DEPTH, refused before parsing (no RecursionError, no deep parse);
    - text that is not valid in the request's charset (UTF-8 unless it names another);
    - NaN, Infinity, -Infinity and numbers beyond a float (1e400);
    - an object with the same key twice;
    - a lone surrogate escape (backslash-u D800 to DFFF): legal JSON but no character, which the
      database driver cannot encode.
    Bodies over DATA_UPLOAD_MAX_MEMORY_SIZE never get here (core.middleware, 413)."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})  # DRF's check: text codecs only
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError as exc:
            raise exceptions.ParseError(f"body is not valid {encoding}") from exc
        if json_too_deep(text):
            raise exceptions.ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        try:
            data = json.loads(
                text,
                parse_constant=_refuse_constant,
                parse_float=_finite_float,
                object_pairs_hook=_object_without_duplicate_keys,
            )
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from exc
        if _has_lone_surrogate(data):
            raise exceptions.ParseError("invalid unicode")
        return data


class EnvelopePagination(PageNumberPagination):
    """Lists answer data = {items, count, next, previous} (docs/rules.md §10)."""

    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound as exc:
            raise BusinessError.not_found(messages.INVALID_PAGE) from exc

    def get_paginated_response(self, data):
        return Response(
            {
                "items": data,
                "count": self.page.paginator.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["items", "count", "next", "previous"],
            "properties": {
                "items": schema,
                "count": {"type": "integer"},
                "next": {"type": "string", "format": "uri", "nullable": True},
                "previous": {"type": "string", "format": "uri", "nullable": True},
            },
        }


class FailOpenThrottle:
    """A throttle whose cache cannot be reached lets the request through (and says so in the log):
    a limit on abuse must not stop every parent's booking while Redis is down."""

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:  # noqa: BLE001
            logger.warning("throttle %s: cache unreachable, request let through", self.scope, exc_info=True)
            return True


class WriteRateThrottle(FailOpenThrottle, UserRateThrottle):
    """Per-user limit on writes (docs/rules.md §9); reads are not throttled."""

    scope = "write"

    def allow_request(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return super().allow_request(request, view)


class LoginRateThrottle(FailOpenThrottle, SimpleRateThrottle):
    """Per client address, for the anonymous login endpoint."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def error_json_response(status: int, error: str, message: str) -> JsonResponse:
    """The error envelope outside DRF (URL resolution, middleware, Django's handlers)."""
    return JsonResponse(error_body(status, error, message), status=status, json_dumps_params={"ensure_ascii": False})


def handler404(request: HttpRequest, exception: Exception | None = None):
    if is_api(request):
        return error_json_response(404, "not_found", messages.NOT_FOUND)
    return page_not_found(request, exception)


def handler500(request: HttpRequest):
    if is_api(request):
        return error_json_response(500, "server_error", messages.SERVER_ERROR)
    return server_error(request)


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: 200 when the database answers; Redis and broker reported."""
    status = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        status["db"] = "ok"
    except Exception as exc:  # report, don't raise: this is the health page
        status["db"] = f"error: {exc.__class__.__name__}"
    if settings.REDIS_URL:
        try:
            cache.get("healthz")
            status["redis"] = "ok"
        except Exception as exc:
            status["redis"] = f"error: {exc.__class__.__name__}"
    else:
        status["redis"] = "absent"
    status["broker"] = _broker_status()
    status["worker_heartbeat"] = _last_heartbeat()
    return JsonResponse(status, status=200 if status["db"] == "ok" else 503)


def _last_heartbeat() -> str | None:
    try:
        seen = Heartbeat.objects.filter(name="worker").values_list("seen_at", flat=True).first()
    except Exception:  # the database is down: already reported as such
        return None
    return timezone.localtime(seen).isoformat() if seen else None  # +08:00, like every time of the API


def _broker_status() -> str:
    # Celery's current app is the project's (config/celery.py creates it as current), reached without
    # importing config: the kernel imports no layer above it.
    try:
        with current_celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
