"""The project's URLs plus one view that logs, for the request id tests."""

import logging

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns

logger = logging.getLogger("tests.deployment")


def log_probe(request):
    logger.warning("inside the request: 名额已被抢占")
    return HttpResponse("ok")


urlpatterns = [path("log-probe", log_probe), *project_urlpatterns]
