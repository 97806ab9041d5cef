"""`CourseSchedule.held_count` (open offers) and `waiting_count` (waiting entries), kept by triggers
on the waitlist's tables (core/counters.py)."""

from django.db import migrations

from core.counters import counter_operations
from waitlist.counters import HELD, WAITING


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0006_schedule_counters"),
        ("waitlist", "0007_dashboard_date_indexes"),
    ]

    operations = [counter_operations(HELD), counter_operations(WAITING)]
