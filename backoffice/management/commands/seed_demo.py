"""Idempotent demo data a person can click through (two weeks from today, Asia/Shanghai).

Running it again changes nothing, even after operators have edited the data: a day already seeded
keeps its classes and their bookings, a family already there keeps its children, an operator
account keeps its password, and the first family's make-up, credit and waiting entries are made once.
Parents log in in development with the code `parent1` … `parent8` (the dev login backend).
"""

import io
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
from core.progress import Progress
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
    ("regular", "少儿体能·基础加长", 2, 120, "190.00"),
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
# parent1's child takes its own course twice a week, in the daytime: free at other hours for
# make-up sessions (other times, coaches, venues, shorter and longer) and for the full evening classes.
FIRST_CHILD_COURSE = "少儿体能·基础"
FIRST_CHILD_CLASSES = 4


class Command(BaseCommand):
    help = "Create demo course types, courses, two weeks of schedules, parents, children and bookings."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="run even when DEBUG is off (never in production)")
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            choices=range(1, 101),
            metavar="N",
            help="a studio N times as big: N×8 families and N×2 classes per time slot (1-100; days "
            "seeded before keep their classes); progress is printed as it goes",
        )

    def handle(self, *args, force: bool = False, scale: int = 1, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates a known admin password: it runs only with DEBUG on (or --force).")
        self.scale = scale
        with transaction.atomic():
            types = self._course_types()
            courses = self._courses(types)
            schedules, fresh = self._schedules(courses)
            profiles = self._families()
            self._admin()
        booked = self._fill(fresh, profiles)
        self._makeup_and_credit(profiles[0])
        self._waitlists(profiles[0])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {len(types)} course types, {len(courses)} courses, {len(schedules)} schedules, "
                f"{len(profiles)} children, {booked} new bookings."
            )
        )
        self.stdout.write(
            f"Admin login: username 'admin', password '{self.admin_password}' (as first created; a password "
            "changed since is kept)"
        )
        self.stdout.write(f"Operators: 'frontdesk' (前台) and 'manager' (运营主管), password '{self.admin_password}'")
        self.stdout.write("Parents (dev login, POST /api/v1/auth/wechat-login): codes 'parent1' … 'parent8'")
        self.stdout.write(
            "parent1: a pending make-up with sessions to choose from, 30 minutes of compensation, "
            "a waiting entry, an open offer"
        )

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

    def _schedules(self, courses) -> tuple[list[CourseSchedule], list[CourseSchedule]]:
        """Every demo class of the two weeks, and those created by this run (the ones to fill)."""
        zone = timezone.get_default_timezone()
        today = timezone.localdate()
        schedules, fresh = [], []
        progress = Progress("classes", total=DAYS, out=self._progress_out())
        for day in range(DAYS):
            progress.step()
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
                lanes = 2 * self.scale
                for lane in range(lanes):
                    course = courses[(day * len(SLOTS) * lanes + slot_index * lanes + lane) % len(courses)]
                    starts_at = timezone.make_aware(datetime.combine(date, slot), zone)
                    schedule, created = CourseSchedule.objects.get_or_create(
                        course=course,
                        starts_at=starts_at,
                        defaults={
                            "ends_at": starts_at + timedelta(minutes=course.duration_minutes),
                            "capacity": 4 if course.course_type.code == "vip" else 6,
                            "coach": COACHES[(day + slot_index + lane) % len(COACHES)],
                            "venue": VENUES[lane % len(VENUES)],
                        },
                    )
                    schedules.append(schedule)
                    if created:
                        fresh.append(schedule)
        progress.done(f"{len(schedules)} classes over {DAYS} days, {len(fresh)} new")
        return schedules, fresh

    def _families(self) -> list[Profile]:
        """Eight parents with one or two children each. A family already there keeps its children as
        they are now (an operator may have renamed one: no second child appears)."""
        profiles = []
        child = 0
        for n in range(1, PARENTS * self.scale + 1):
            parent, _ = User.objects.get_or_create(
                wechat_openid=f"dev_parent{n}",
                defaults={"username": f"wx_dev_parent{n}", "nickname": f"家长{n}", "phone": f"1380000{n:04d}"},
            )
            existing = list(Profile.objects.filter(owner=parent).order_by("id"))
            count = 1 if n % 2 else 2
            for index in range(count):
                name, level = CHILDREN[child % len(CHILDREN)]
                child += 1
                if index < len(existing):
                    profiles.append(existing[index])
                elif not existing:
                    profiles.append(Profile.objects.create(owner=parent, name=name, level=level))
        return profiles

    def _admin(self) -> None:
        self.admin_password = os.environ.get("DEMO_ADMIN_PASSWORD", "studio-admin")
        if not User.objects.filter(username="admin").exists():
            admin = User(username="admin", is_staff=True, is_superuser=True)
            admin.set_password(self.admin_password)
            admin.save()
        # One operator per role (RULES §11.7), to try the back office as the front desk and the manager.
        for username, role in DEMO_OPERATORS:
            if User.objects.filter(username=username).exists():
                continue  # as an operator left it: its password, its roles
            operator = User(username=username, is_staff=True)
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
        """Books this run's new classes through the booking service; every third evening class is
        full. The first child (parent1's, the login the docs suggest) takes only its own course, twice
        a week in the daytime: free in the evenings to join a full class's waitlist (a seat at the same
        hour would be a time conflict), and at many hours for its make-up."""
        now = timezone.now()
        upcoming = [s for s in schedules if s.starts_at > now]
        evening = [s for s in upcoming if timezone.localtime(s.starts_at).hour == 19]
        first_child = profiles[0] if profiles else None
        own = [
            s
            for s in upcoming
            if s.course.name == FIRST_CHILD_COURSE and s not in evening and s.starts_at > now + settings.LEAVE_DEADLINE
        ]
        if first_child is not None:
            ahead = Booking.objects.filter(
                profile=first_child, status=Booking.Status.BOOKED, schedule__starts_at__gt=now
            )
            own = own[: max(0, FIRST_CHILD_CLASSES - ahead.count())]
        booked = 0
        for schedule in own:
            try:
                booking_flows.booking_create(profile=first_child, schedule_id=schedule.pk, now=now)
                booked += 1
            except BusinessError:
                continue
        progress = Progress("bookings", total=len(upcoming), out=self._progress_out())
        for index, schedule in enumerate(upcoming):
            progress.step()
            wanted = schedule.capacity if (schedule in evening and index % 3 == 0) else index % 3
            for profile in profiles[1:]:
                if Booking.objects.filter(schedule=schedule).count() >= wanted:
                    break
                if Booking.objects.filter(schedule=schedule, profile=profile).exists():
                    continue
                try:
                    booking_flows.booking_create(profile=profile, schedule_id=schedule.pk, now=now)
                    booked += 1
                except BusinessError:
                    continue  # a time conflict for this child: try the next one
        progress.done(f"{booked} new bookings in {len(upcoming)} classes")
        return booked

    def _progress_out(self):
        """Progress lines for a scaled-up run (a few minutes); the everyday demo is quick and quiet."""
        return self.stdout if self.scale > 1 else io.StringIO()
