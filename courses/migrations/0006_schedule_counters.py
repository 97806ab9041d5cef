"""Counter columns on the class row; `booked_count` kept by triggers on bookings (core/counters.py).
`held_count` and `waiting_count` get theirs in waitlist 0008."""

from django.db import migrations, models

from core.counters import counter_operations
from courses.counters import BOOKED


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0005_dashboard_permission"),
    ]

    operations = [
        migrations.AddField(
            model_name="courseschedule",
            name="booked_count",
            field=models.IntegerField(default=0, editable=False, verbose_name="已预约"),
        ),
        migrations.AddField(
            model_name="courseschedule",
            name="held_count",
            field=models.IntegerField(default=0, editable=False, verbose_name="候补保留"),
        ),
        migrations.AddField(
            model_name="courseschedule",
            name="waiting_count",
            field=models.IntegerField(default=0, editable=False, verbose_name="候补人数"),
        ),
        counter_operations(BOOKED),
    ]
