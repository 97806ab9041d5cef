"""Property test (hypothesis, stateful): any sequence of leave / book shorter / book longer / cancel /
time passing (with or without the hourly job) / adjust / reads keeps RULES §7's invariants, and the
balance always equals the ledger's sum.

Examples: HYPOTHESIS_PROFILE=ci (200, the default here) or bench (10,000)."""

import os
from datetime import timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from compensation import selectors as compensation_selectors
from compensation import services as compensation_services
from compensation.models import ClassCreditCompensation
from core.errors import BusinessError
from flows import booking as booking_flows
from makeup import services as makeup_services
from makeup.models import MakeupBooking
from tests.compensation.invariants import assert_ledger_invariants
from tests.conftest import at
from tests.factories import CourseFactory, CourseTypeFactory, ProfileFactory, ScheduleFactory, StaffFactory
from waitlist.counters import schedule_counters_drift

EXAMPLES = {"ci": 200, "bench": 10_000, "dev": 50}[os.environ.get("HYPOTHESIS_PROFILE", "ci")]


class Ledger(RuleBasedStateMachine):
    """One child, classes of 60/90/120/150 minutes, and a clock that only moves forward."""

    @initialize()
    def setup(self):
        self.now = at("2026-12-01 08:00")
        kind = CourseTypeFactory(code="regular")
        self.courses = {m: CourseFactory(course_type=kind, level=2, duration_minutes=m) for m in (60, 90, 120, 150)}
        self.profile = ProfileFactory(level=2)
        self.staff = StaffFactory()
        self.slot = 0

    def _session(self, minutes):
        self.slot += 1
        # Always ahead of the machine's clock (which only moves forward), never overlapping another.
        return ScheduleFactory(
            course=self.courses[minutes], capacity=50, starts_at=self.now + timedelta(days=30, hours=3 * self.slot)
        )

    @rule(minutes=st.sampled_from([60, 90, 120, 150]))
    def leave(self, minutes):
        booking = booking_flows.booking_create(
            profile=self.profile, schedule_id=self._session(minutes).pk, now=self.now
        )
        booking_flows.booking_leave(booking_id=booking.pk, now=self.now)

    def _pending(self):
        return list(MakeupBooking.objects.filter(profile=self.profile, status="pending").order_by("id"))

    @precondition(lambda self: MakeupBooking.objects.filter(profile=self.profile, status="pending").exists())
    @rule(index=st.integers(0, 10), minutes=st.sampled_from([60, 90, 120, 150]), use=st.booleans())
    def book(self, index, minutes, use):
        pending = self._pending()
        makeup = pending[index % len(pending)]
        before = compensation_selectors.compensation_balance(profile_id=self.profile.pk, now=self.now)
        try:
            result = booking_flows.makeup_book(
                profile=self.profile,
                schedule_id=self._session(minutes).pk,
                original_booking_id=makeup.original_booking_id,
                use_compensation=use,
                confirm_shorter=True,
                now=self.now,
            )
        except BusinessError as error:
            assert error.error == "insufficient_compensation"
            assert compensation_selectors.compensation_balance(profile_id=self.profile.pk, now=self.now) == before
            return
        assert result.remaining_compensation == before + result.compensation_generated - result.compensation_used

    @precondition(lambda self: MakeupBooking.objects.filter(profile=self.profile, status="pending").exists())
    @rule(
        index=st.integers(0, 10), longer=st.integers(0, 2), days=st.integers(1, 20), spare=st.sampled_from([0, 15, 45])
    )
    def book_longer_with_compensation(self, index, longer, days, spare):
        """A longer session paid in minutes, topped up by an operator when short (with `spare` minutes
        left over, so that credits are often spent in part): spends, and the restores of their
        cancels, are common in every history."""
        pending = self._pending()
        makeup = pending[index % len(pending)]
        lengths = [minutes for minutes in sorted(self.courses) if minutes > makeup.original_minutes]
        if not lengths:  # nothing is longer than a 150-minute class
            return
        minutes = lengths[longer % len(lengths)]
        extra = minutes - makeup.original_minutes
        balance = compensation_selectors.compensation_balance(profile_id=self.profile.pk, now=self.now)
        if balance < extra:
            compensation_services.compensation_adjust(
                profile_id=self.profile.pk,
                minutes=extra - balance + spare,
                reason="top up",
                by=self.staff,
                expires_at=self.now + timedelta(days=days),
                now=self.now,
            )
        result = booking_flows.makeup_book(
            profile=self.profile,
            schedule_id=self._session(minutes).pk,
            original_booking_id=makeup.original_booking_id,
            use_compensation=True,
            now=self.now,
        )
        assert result.compensation_used == extra

    @precondition(lambda self: MakeupBooking.objects.filter(profile=self.profile, status="booked").exists())
    @rule(index=st.integers(0, 10))
    def cancel(self, index):
        booked = list(MakeupBooking.objects.filter(profile=self.profile, status="booked").order_by("id"))
        makeup = booked[index % len(booked)]
        try:
            makeup_services.makeup_cancel(makeup_id=makeup.pk, now=self.now)
        except BusinessError as error:
            if error.error == "makeup_not_cancellable":  # only once its class has started
                assert self.now >= makeup.booking.schedule.starts_at
            else:
                assert error.error == "compensation_already_used"

    @rule(hours=st.integers(1, 24 * 20), job_runs=st.booleans())
    def time_passes(self, hours, job_runs):
        # The hourly job may not have run yet: whatever touches a credit past its expiry first must
        # expire it whole (RULES §7), so the window between expiry and job is explored too.
        self.now += timedelta(hours=hours)
        if job_runs:
            compensation_services.compensation_expire(now=self.now)

    @rule(minutes=st.integers(-200, 200).filter(lambda m: m != 0), days=st.integers(1, 30))
    def adjust(self, minutes, days):
        try:
            compensation_services.compensation_adjust(
                profile_id=self.profile.pk,
                minutes=minutes,
                reason="property",
                by=self.staff,
                expires_at=self.now + timedelta(days=days),
                now=self.now,
            )
        except BusinessError as error:
            assert minutes < 0 and error.error == "insufficient_compensation"

    @rule()
    def parent_reads_balance_and_history(self):
        """A read expires what is due (RULES §7), for real: the next steps see the expired credits."""
        self._read_and_compare()

    def _read_and_compare(self):
        compensation_services.compensation_expire_due(profile_id=self.profile.pk, now=self.now)
        assert_ledger_invariants([self.profile.pk])
        usable = compensation_selectors.compensation_balance(profile_id=self.profile.pk, now=self.now)
        ledger = compensation_selectors.compensation_history(profile_id=self.profile.pk)
        assert usable == (ledger[0]["balance_after"] if ledger else 0) >= 0
        assert not ClassCreditCompensation.objects.filter(
            profile=self.profile, status="active", expires_at__lte=self.now
        ).exists()

    @invariant()
    def ledger_holds(self):
        if not hasattr(self, "profile"):
            return
        # The stored ledger holds even while credits past their expiry wait for whatever touches them.
        assert_ledger_invariants([self.profile.pk])
        assert schedule_counters_drift() == []  # the classes' counters stay exact through every step
        # What a read would show agrees with the balance; the read is rolled back, so that the next
        # step may still be the first to touch a credit past its expiry (a spend, a restore, the job).
        savepoint = transaction.savepoint()
        try:
            self._read_and_compare()
        finally:
            transaction.savepoint_rollback(savepoint)


@pytest.mark.django_db
def test_random_ledger_histories_keep_the_invariants():
    run_state_machine_as_test(
        Ledger,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=15,
            deadline=None,
            derandomize=os.environ.get("CI") == "true",
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
