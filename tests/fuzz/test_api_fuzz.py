"""Fuzzing (schemathesis) every operation of /api/schema/ in-process with a parent's token, WeChat
played by the loopback stub: no answer is a 5xx, and every answer matches the schema (the envelope
included). Bounded for CI:
FUZZ_EXAMPLES examples per operation (default 25)."""

import os
from datetime import timedelta

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import client_for
from tests.factories import BookingFactory, ProfileFactory, ScheduleFactory, UserFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))


@pytest.fixture
def parent_token(db):
    """A parent with a child, some classes (one full, with a waitlist), a booking: ids exist to hit."""
    parent = UserFactory()
    profile = ProfileFactory(owner=parent)
    soon = timezone.now() + timedelta(days=2)
    full = ScheduleFactory(starts_at=soon, capacity=1)
    BookingFactory(schedule=full)
    BookingFactory(profile=profile, schedule=ScheduleFactory(starts_at=soon + timedelta(hours=3)))
    ScheduleFactory(starts_at=soon + timedelta(hours=6))
    token = client_for(parent)._credentials["HTTP_AUTHORIZATION"]
    return {"Authorization": token}


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calling the WSGI app directly fires request_started/finished, whose close_old_connections
    would close the test's connection mid-transaction; Django's test client disconnects them, so do we."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
@pytest.mark.django_db
def test_no_server_error_and_every_answer_matches_the_schema(case, parent_token, wechat_stub):
    case.call_and_validate(headers=parent_token, checks=[not_a_server_error, response_schema_conformance])
