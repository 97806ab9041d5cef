"""Idempotent demo data a person can click through (two weeks from today, Asia/Shanghai).

Running it again changes nothing: every row is found by its natural key before it is created.
Parents log in in development with the code `parent1` … `parent8` (the dev login backend).
"""

import os
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Profile, User
from compensation.models import ClassCreditCompensation
from compensation.services import compensation_adjust
from core.errors import BusinessError
from courses.models import Booking, Course, CourseSchedule, CourseType
from flows import booking as booking_flows
from flows import offers
from makeup.models import MakeupBooking
from waitlist.models import WaitlistEntry
from waitlist.selectors import schedules_with_seats

COURSE_TYPES = [("regular", "常规班", 8), ("vip", "VIP小班", 5)]

# (type, name, level, minutes, price): three levels, with 60/90/120-minute durations.
COURSES = [
    ("regular", "少儿体能·启蒙", 1, 60, "120.00"),
    ("regular", "少儿体能·基础", 2, 90, "150.00"),
    ("regular", "少儿体能·基础短课", 2, 60, "110.00"),
    ("regular", "少儿体能·进阶", 3, 120, "180.00"),
    ("regular", "少儿体能·进阶精练", 3, 90, "160.00"),
    ("vip", "VIP体能·启蒙", 1, 60, "220.00"),
    ("vip", "VIP体能·基础", 2, 90, "260.00"),
    ("vip", "VIP体能·进阶", 3, 120, "300.00"),
]

COACHES = ["王教练", "李教练", "张教练"]
VENUES = ["朝阳馆", "海淀馆"]
SLOTS = [time(9, 0), time(14, 0), time(16, 30), time(19, 0)]
DAYS = 14
PARENTS = 8
# Children (name, level) per parent, cycling.
CHILDREN = [
    ("乐乐", 2),
    ("豆豆", 2),
    ("果果", 1),
    ("米米", 3),
    ("糖糖", 2),
    ("多多", 3),
    ("天天", 1),
    ("安安", 2),
    ("悠悠", 2),
    ("可可", 3),
    ("朵朵", 1),
    ("壮壮", 2),
]

DEMO_OPERATORS = [("frontdesk", "前台"), ("manager", "运营主管")]


class Command(BaseCommand):
    help = "Create demo course types, courses, two weeks of schedules, parents, children and bookings."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="run even when DEBUG is off (never in production)")

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates a known admin password: it runs only with DEBUG on (or --force).")
        with transaction.atomic():
            types = self._course_types()
            courses = self._courses(types)
            schedules = self._schedules(courses)
            profiles = self._families()
            self._admin()
        booked = self._fill(schedules, profiles)
        self._makeup_and_credit(profiles[0])
        self._waitlists(profiles[0])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {len(types)} course types, {len(courses)} courses, {len(schedules)} schedules, "
                f"{len(profiles)} children, {booked} new bookings."
            )
        )
        self.stdout.write(f"Admin login: username 'admin', password '{self.admin_password}'")
        self.stdout.write(f"Operators: 'frontdesk' (前台) and 'manager' (运营主管), password '{self.admin_password}'")
        self.stdout.write("Parents (dev login, POST /api/v1/auth/wechat-login): codes 'parent1' … 'parent8'")
        self.stdout.write("parent1: a pending make-up, 30 minutes of compensation, a waiting entry, an open offer")

    def _course_types(self) -> dict[str, CourseType]:
        types = {}
        for code, name, capacity in COURSE_TYPES:
            types[code], _ = CourseType.objects.get_or_create(
                code=code, defaults={"name": name, "waitlist_capacity": capacity}
            )
        return types

    def _courses(self, types) -> list[Course]:
        courses = []
        for type_code, name, level, minutes, price in COURSES:
            course, _ = Course.objects.get_or_create(
                name=name,
                defaults={
                    "course_type": types[type_code],
                    "level": level,
                    "duration_minutes": minutes,
                    "price": Decimal(price),
                },
            )
            courses.append(course)
        return courses

    def _schedules(self, courses) -> list[CourseSchedule]:
        zone = timezone.get_default_timezone()
        today = timezone.localdate()
        schedules = []
        for day in range(DAYS):
            date = today + timedelta(days=day)
            midnight = timezone.make_aware(datetime.combine(date, datetime.min.time()), zone)
            seeded = list(
                CourseSchedule.objects.filter(
                    course__in=courses, starts_at__gte=midnight, starts_at__lt=midnight + timedelta(days=1)
                ).order_by("starts_at", "id")
            )
            if seeded:
                # A day seeded before is left as it is: an operator may have moved or changed its
                # classes since (RULES §11.6), and a second copy must never appear beside them.
                schedules += seeded
                continue
            for slot_index, slot in enumerate(SLOTS):
                # Two classes per slot, at different venues, rotating through the courses.
                for lane in range(2):
                    course = courses[(day * len(SLOTS) * 2 + slot_index * 2 + lane) % len(courses)]
                    starts_at = timezone.make_aware(datetime.combine(date, slot), zone)
                    schedule, _ = CourseSchedule.objects.get_or_create(
                        course=course,
                        starts_at=starts_at,
                        defaults={
                            "ends_at": starts_at + timedelta(minutes=course.duration_minutes),
                            "capacity": 4 if course.course_type.code == "vip" else 6,
                            "coach": COACHES[(day + slot_index + lane) % len(COACHES)],
                            "venue": VENUES[lane],
                        },
                    )
                    schedules.append(schedule)
        return schedules

    def _families(self) -> list[Profile]:
        profiles = []
        child = 0
        for n in range(1, PARENTS + 1):
            parent, _ = User.objects.get_or_create(
                wechat_openid=f"dev_parent{n}",
                defaults={"username": f"wx_dev_parent{n}", "nickname": f"家长{n}", "phone": f"1380000{n:04d}"},
            )
            for _ in range(1 if n % 2 else 2):
                name, level = CHILDREN[child % len(CHILDREN)]
                child += 1
                profile, _ = Profile.objects.get_or_create(owner=parent, name=name, defaults={"level": level})
                profiles.append(profile)
        return profiles

    def _admin(self) -> None:
        self.admin_password = os.environ.get("DEMO_ADMIN_PASSWORD", "studio-admin")
        admin, _ = User.objects.get_or_create(username="admin", defaults={"is_staff": True, "is_superuser": True})
        admin.is_staff = admin.is_superuser = True
        admin.set_password(self.admin_password)
        admin.save()
        # One operator per role (RULES §11.7), to try the back office as the front desk and the manager.
        for username, role in DEMO_OPERATORS:
            operator, _ = User.objects.get_or_create(username=username, defaults={"is_staff": True})
            operator.is_staff = True
            operator.set_password(self.admin_password)
            operator.save()
            operator.groups.set([Group.objects.get(name=role)])

    def _makeup_and_credit(self, profile: Profile) -> None:
        """The first child took leave from its first upcoming class (a pending make-up) and has 30
        minutes of compensation, so the make-up pages have something to show."""
        now = timezone.now()
        if not MakeupBooking.objects.filter(profile=profile).exists():
            booking = (
                Booking.objects.filter(
                    profile=profile, status=Booking.Status.BOOKED, schedule__starts_at__gt=now + settings.LEAVE_DEADLINE
                )
                .order_by("schedule__starts_at")
                .first()
            )
            if booking is not None:
                booking_flows.booking_leave(booking_id=booking.pk, reason="演示：生病请假", now=now)
        if not ClassCreditCompensation.objects.filter(profile=profile).exists():
            admin = User.objects.get(username="admin")
            compensation_adjust(profile_id=profile.pk, minutes=30, reason="演示数据", by=admin, now=now)

    def _waitlists(self, profile: Profile) -> None:
        """The first child waits for the last two full classes ahead; in the earlier of them another
        family then cancels, so the demo opens with an offer (有名额，立即预约) and its message, and
        a plain waiting entry with its position. Classes before those stay free for trying 加入候补."""
        if WaitlistEntry.objects.filter(profile=profile).exists():
            return
        now = timezone.now()
        full = [
            s
            for s in schedules_with_seats(queryset=CourseSchedule.objects.filter(starts_at__gt=now))
            if s.available <= 0
        ]
        joined = []
        for schedule in sorted(full, key=lambda s: s.starts_at, reverse=True):
            try:
                offers.waitlist_join(profile=profile, schedule_id=schedule.pk, now=now)
            except BusinessError:
                continue  # closed, or a time conflict for this child
            joined.append(schedule)
            if len(joined) == 2:
                break
        if len(joined) == 2:
            seat = Booking.objects.filter(schedule=joined[1], status=Booking.Status.BOOKED).order_by("pk").first()
            booking_flows.booking_cancel(booking_id=seat.pk, now=now)

    def _fill(self, schedules, profiles) -> int:
        """Books upcoming classes through the booking service; every third evening class is full.
        The first child (parent1's, the login the docs suggest) is kept free in the evenings, so
        that it can join a full class's waitlist: a seat at the same hour would be a time conflict."""
        now = timezone.now()
        upcoming = [s for s in schedules if s.starts_at > now]
        evening = [s for s in upcoming if timezone.localtime(s.starts_at).hour == 19]
        booked = 0
        for index, schedule in enumerate(upcoming):
            wanted = schedule.capacity if (schedule in evening and index % 3 == 0) else index % 3
            for profile in profiles[1:] if schedule in evening else profiles:
                # Every row counts (a seeded leave frees a seat that a second run must not refill).
                if Booking.objects.filter(schedule=schedule).count() >= wanted:
                    break
                if Booking.objects.filter(schedule=schedule, profile=profile).exists():
                    continue
                try:
                    booking_flows.booking_create(profile=profile, schedule_id=schedule.pk, now=now)
                    booked += 1
                except BusinessError:
                    continue  # a time conflict for this child: try the next one
        return booked
