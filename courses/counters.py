"""The class row's booked-seat counter, kept by triggers on bookings (core/counters.py)."""

from core.counters import Counter

BOOKED = Counter(
    "courses_booked_count", "courses_booking", "schedule_id", "booked", "courses_courseschedule", "booked_count"
)
