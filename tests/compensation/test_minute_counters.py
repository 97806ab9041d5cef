"""RULES §16: studio_compensation_minutes_total counts minutes granted, used and expired when their
transaction commits; a refused deduction counts nothing."""

import pytest

from compensation import services
from core.errors import BusinessError
from tests.compensation.test_ledger import NOW
from tests.factories import StaffFactory
from tests.metrics import CounterDelta

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


def test_granted_used_and_expired_minutes(profile, clock, django_capture_on_commit_callbacks):
    counted = CounterDelta("studio_compensation_minutes")
    staff = StaffFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.compensation_adjust(profile_id=profile.pk, minutes=60, reason="老师调课补偿", by=staff)
    with django_capture_on_commit_callbacks(execute=True):
        services.compensation_adjust(profile_id=profile.pk, minutes=-25, reason="更正", by=staff)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(BusinessError):
        services.compensation_adjust(profile_id=profile.pk, minutes=-99, reason="太多", by=staff)
    assert counted() == {("granted",): 60, ("used",): 25}
    clock.move_to(NOW.replace(year=2027), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.compensation_expire() == 1
    assert counted() == {("granted",): 60, ("used",): 25, ("expired",): 35}
