import pytest

from tests.factories import UserFactory


@pytest.fixture
def reachable(db):
    """A parent with a number and SMS on, and no WeChat subscription grant (RULES §14)."""
    return UserFactory(phone="13812345678", sms_enabled=True)
