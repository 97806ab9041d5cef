"""Serializers of courses' shapes (a course, a class in brief, a booking) and `GET course-types`.
The schedule list and detail, which show seats and the waitlist, are in waitlist/api.py; the
booking endpoints in flows/api.py."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from core.api import ok
from core.fields import IdField
from courses import selectors
from courses.models import Booking, Course, CourseSchedule


class CourseTypeOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class CourseTypeListOutput(serializers.Serializer):
    items = CourseTypeOutput(many=True)


class CourseTypeListView(APIView):
    """The course types a parent can filter the class list by (`GET schedules?course_type=code`)."""

    @extend_schema(responses=CourseTypeListOutput, tags=["schedules"])
    def get(self, request):
        return ok({"items": CourseTypeOutput(selectors.course_type_list(), many=True).data})


class CourseOutput(serializers.ModelSerializer):
    course_type = serializers.CharField(source="course_type.code")

    class Meta:
        model = Course
        fields = ["id", "name", "course_type", "level", "duration_minutes", "price"]


class BookingCreateInput(serializers.Serializer):
    course_schedule_id = IdField()
    profile_id = IdField()


class BookingCreateOutput(serializers.Serializer):
    booking_id = serializers.IntegerField(source="pk")
    status = serializers.CharField()
    kind = serializers.CharField()


class ScheduleBriefOutput(serializers.ModelSerializer):
    course = CourseOutput()

    class Meta:
        model = CourseSchedule
        fields = ["id", "course", "starts_at", "ends_at", "coach", "venue", "status"]


class BookingOutput(serializers.ModelSerializer):
    schedule = ScheduleBriefOutput()

    class Meta:
        model = Booking
        fields = ["id", "profile_id", "kind", "status", "booked_at", "cancelled_at", "leave_at", "schedule"]


class BookingsMyQuery(serializers.Serializer):
    profile_id = IdField(required=False)
    status = serializers.ChoiceField(choices=Booking.Status.choices, required=False)
    when = serializers.ChoiceField(
        choices=["upcoming", "past"], required=False, help_text="upcoming: not yet ended; past: ended, latest first"
    )


class LeaveInput(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class BookingEndedOutput(serializers.Serializer):
    booking_id = serializers.IntegerField()
    status = serializers.CharField()


class LeaveOutput(BookingEndedOutput):
    makeup_id = serializers.IntegerField(allow_null=True)
