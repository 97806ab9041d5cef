"""Every request gets an id: the one nginx (or the client) sent in X-Request-ID when it is a sane token,
else a fresh uuid4. Log records made while serving it carry it (core.logging), and so does the answer.
An API request announcing a body over the size limit is answered 413 before anything reads it."""

import logging
import re
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from core import messages
from core.api import error_json_response, is_api
from core.logging import request_id_var

logger = logging.getLogger(__name__)

HEADER = "X-Request-ID"
# Anything else (too long, spaces, quotes, newlines) could forge or break log lines: replaced.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id_from(request: HttpRequest) -> str:
    incoming = request.headers.get(HEADER, "")
    return incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = request_id_from(request)
        token = request_id_var.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            # gunicorn's threads serve one request after another: never leak an id into the next.
            request_id_var.reset(token)
        response[HEADER] = request.request_id
        return response


def declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:  # not a number: Django and DRF read no body then
        return 0


class PayloadLimitMiddleware:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE is refused by its Content-Length, unread: 413
    `payload_too_large` `请求内容过大` in the envelope, on every API path, the ones whose view never
    reads a body included. (A body that turns out longer than announced is Django's RequestDataTooBig,
    answered the same by core.api.envelope_exception_handler.) The admin keeps Django's own handling."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and is_api(request) and declared_length(request) > limit:
            logger.info("%s %s answered 413 payload_too_large", request.method, request.path)
            response = error_json_response(413, "payload_too_large", messages.PAYLOAD_TOO_LARGE)
            response._has_been_logged = True  # a normal refusal, not Django's WARNING
            return response
        return self.get_response(request)
