"""RULES §16: the periodic check of the ledger's invariants (RULES §7). A ledger written by the
services passes; each way of breaking it is found, credit by credit; the check records what it found
for /metrics and the 需要处理 panel, logs it, and forgets checks older than a week."""

import logging
from datetime import timedelta

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from compensation import selectors, services
from compensation.models import ClassCreditCompensation, CompensationUsage, LedgerCheck
from compensation.tasks import compensation_ledger_check_task
from tests.compensation.test_ledger import NOW
from tests.factories import ProfileFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def ledger(profile, clock):
    """Two children's ledgers written by the services: grants, a deduction across credits, expiry."""
    staff = StaffFactory()
    other = ProfileFactory(owner=profile.owner)
    services.compensation_adjust(profile_id=profile.pk, minutes=30, reason="调课补偿", by=staff)
    clock.move_to(NOW + timedelta(minutes=1), tick=False)
    services.compensation_adjust(profile_id=profile.pk, minutes=45, reason="调课补偿", by=staff)
    services.compensation_adjust(profile_id=profile.pk, minutes=-50, reason="更正", by=staff)  # 30 + 20
    services.compensation_adjust(profile_id=other.pk, minutes=60, reason="调课补偿", by=staff)
    clock.move_to(NOW.replace(year=2027), tick=False)
    services.compensation_expire()
    return list(ClassCreditCompensation.objects.order_by("pk"))


def test_a_ledger_written_by_the_services_has_no_violation(ledger):
    statuses = sorted(credit.status for credit in ledger)
    assert statuses == ["expired", "expired", "used_up"]  # the check sees every kind of row
    assert selectors.compensation_ledger_violations() == selectors.LedgerViolations(credits_checked=3, credit_ids=[])


def test_remaining_that_does_not_add_up_is_found(ledger):
    used_up, expired, _ = ledger
    ClassCreditCompensation.objects.filter(pk=expired.pk).update(remaining=1)
    CompensationUsage.objects.filter(credit=used_up, kind="use").update(minutes=29)  # 30 granted, 29 used, 0 left
    assert selectors.compensation_ledger_violations().credit_ids == sorted([used_up.pk, expired.pk])


def test_a_status_that_does_not_match_what_is_left_is_found(ledger):
    used_up, expired, other = ledger
    # remaining still adds up (minutes 30, used 30): only the status is wrong
    ClassCreditCompensation.objects.filter(pk=used_up.pk).update(status="active")
    assert selectors.compensation_ledger_violations().credit_ids == [used_up.pk]
    # an expired credit with minutes left, its ledger rows agreeing
    CompensationUsage.objects.filter(credit=other, kind="expire").update(minutes=50)
    ClassCreditCompensation.objects.filter(pk=other.pk).update(remaining=10)
    assert selectors.compensation_ledger_violations().credit_ids == [used_up.pk, other.pk]


def test_a_ledger_row_older_than_its_credit_is_found(ledger):
    _, expired, _ = ledger
    CompensationUsage.objects.filter(credit=expired, kind="use").update(
        created_at=expired.created_at - timedelta(seconds=1)
    )
    assert selectors.compensation_ledger_violations().credit_ids == [expired.pk]
    CompensationUsage.objects.filter(credit=expired, kind="use").update(created_at=expired.created_at)
    assert selectors.compensation_ledger_violations().credit_ids == []  # the same instant is allowed


def test_the_check_records_logs_and_keeps_a_week(ledger, clock, caplog):
    used_up = ledger[0]
    checked = NOW.replace(year=2027)
    old = LedgerCheck.objects.create(checked_at=checked - timedelta(days=7, seconds=1), credits_checked=0, violations=0)
    kept = LedgerCheck.objects.create(checked_at=checked - timedelta(days=7), credits_checked=0, violations=0)
    ClassCreditCompensation.objects.filter(pk=used_up.pk).update(remaining=5)
    with caplog.at_level(logging.ERROR, logger="compensation.services"):
        assert compensation_ledger_check_task() == 1
    check = selectors.compensation_ledger_last_check()
    assert (check.checked_at, check.credits_checked, check.violations, check.credit_ids) == (
        checked,
        3,
        1,
        [used_up.pk],
    )
    assert [r.getMessage() for r in caplog.records] == [
        f"ledger check: credit {used_up.pk} breaks the ledger's invariants"
    ]
    assert set(LedgerCheck.objects.values_list("pk", flat=True)) == {kept.pk, check.pk}  # a week, to the second
    assert not LedgerCheck.objects.filter(pk=old.pk).exists()


def test_the_check_keeps_the_first_fifty_ids(profile):
    staff = StaffFactory()
    for _ in range(services.LEDGER_CHECK_SHOWN + 2):
        services.compensation_adjust(profile_id=profile.pk, minutes=10, reason="调课补偿", by=staff)
    ClassCreditCompensation.objects.update(remaining=3)
    check = services.compensation_ledger_check(now=NOW)
    assert check.violations == services.LEDGER_CHECK_SHOWN + 2
    assert check.credit_ids == sorted(ClassCreditCompensation.objects.values_list("pk", flat=True))[:50]


def test_the_check_runs_every_ten_minutes():
    call_command("setup_periodic_tasks", stdout=__import__("io").StringIO())
    job = PeriodicTask.objects.get(name="compensation-ledger-check")
    assert (job.task, job.interval.every, job.interval.period) == (
        "compensation.tasks.compensation_ledger_check_task",
        600,
        "seconds",
    )
