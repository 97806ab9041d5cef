"""The drills use the integration tests' real Redis broker and in-process worker."""

from tests.integration.conftest import live_worker, redis_broker  # noqa: F401 - fixtures the drills use too
