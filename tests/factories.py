"""factory_boy factories for every model the tests build."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import Profile, User
from courses.models import Booking, Course, CourseSchedule, CourseType


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"parent{n}")
    wechat_openid = factory.Sequence(lambda n: f"openid-parent-{n}")
    nickname = factory.Sequence(lambda n: f"家长{n}")


class StaffFactory(UserFactory):
    username = factory.Sequence(lambda n: f"staff{n}")
    nickname = factory.Sequence(lambda n: f"运营{n}")
    wechat_openid = None
    is_staff = True
    password = factory.django.Password("staff-pass")


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"小朋友{n}")
    level = 2


class CourseTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CourseType
        django_get_or_create = ("code",)

    code = "regular"
    name = "常规班"
    waitlist_capacity = 8


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    name = factory.Sequence(lambda n: f"少儿体能{n}")
    course_type = factory.SubFactory(CourseTypeFactory)
    level = 2
    duration_minutes = 60
    price = Decimal("180.00")


class ScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CourseSchedule

    course = factory.SubFactory(CourseFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=2))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(minutes=o.course.duration_minutes))
    capacity = 6
    coach = "王教练"
    venue = "朝阳馆"


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    profile = factory.SubFactory(ProfileFactory)
    schedule = factory.SubFactory(ScheduleFactory)
    kind = Booking.Kind.REGULAR
    status = Booking.Status.BOOKED
    active = factory.LazyAttribute(lambda o: True if o.status == Booking.Status.BOOKED else None)
