"""Every request gets an id: the one nginx (or the client) sent in X-Request-ID when it is a sane token,
else a fresh uuid4. Log records made while serving it carry it (core.logging), and so does the answer."""

import re
import uuid

from django.http import HttpRequest, HttpResponse

from core.logging import request_id_var

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
