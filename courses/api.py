"""Serializers of courses' shapes: a course, a class in brief, a booking. The schedule list and
detail, which show seats and the waitlist, are in waitlist/api.py; the booking endpoints in
flows/api.py."""

from rest_framework import serializers

from core.fields import IdField
from courses.models import Booking, Course, CourseSchedule


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


class LeaveInput(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class BookingEndedOutput(serializers.Serializer):
    booking_id = serializers.IntegerField()
    status = serializers.CharField()


class LeaveOutput(BookingEndedOutput):
    makeup_id = serializers.IntegerField(allow_null=True)
