"""Mini-program API of make-ups (API.md): my make-ups, eligible sessions, book, cancel."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from core import messages as core_messages
from core.fields import BoundedDateField, IdField
from courses.api import ScheduleBriefOutput
from makeup import messages, selectors
from makeup.models import MakeupBooking
from waitlist.api import ScheduleItemOutput


class OriginalOutput(serializers.Serializer):
    booking_id = serializers.IntegerField(allow_null=True)
    course_name = serializers.CharField(allow_null=True)
    starts_at = serializers.DateTimeField(allow_null=True)
    duration_minutes = serializers.IntegerField()


class BookedOutput(serializers.Serializer):
    booking_id = serializers.IntegerField()
    schedule = ScheduleBriefOutput()


class MakeupOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    original = OriginalOutput()
    leave_at = serializers.DateTimeField(allow_null=True)
    booked = BookedOutput(allow_null=True)
    duration_difference = serializers.IntegerField(allow_null=True)


def makeup_item(makeup: MakeupBooking) -> dict:
    original = makeup.original_booking
    return {
        "id": makeup.pk,
        "status": makeup.status,
        "original": {
            "booking_id": makeup.original_booking_id,
            "course_name": makeup.original_course.name if makeup.original_course else None,
            "starts_at": original.schedule.starts_at if original else None,
            "duration_minutes": makeup.original_minutes,
        },
        "leave_at": makeup.leave_at,
        "booked": {"booking_id": makeup.booking_id, "schedule": makeup.booking.schedule} if makeup.booking_id else None,
        "duration_difference": makeup.duration_difference,
    }


class MakeupMyQuery(serializers.Serializer):
    profile_id = IdField(required=False)
    status = serializers.ChoiceField(choices=MakeupBooking.Status.choices, required=False)


class AvailableQuery(serializers.Serializer):
    makeup_id = IdField(required=False)
    profile_id = IdField(required=False)
    redeem = serializers.BooleanField(required=False, default=False)
    date_from = BoundedDateField(required=False)
    date_to = BoundedDateField(required=False)
    coach = serializers.CharField(required=False, max_length=64)
    venue = serializers.CharField(required=False, max_length=64)
    weekday = serializers.IntegerField(required=False, min_value=1, max_value=7)
    time_of_day = serializers.ChoiceField(choices=list(selectors.TIME_OF_DAY), required=False)
    include_lower_levels = serializers.BooleanField(required=False, default=False)
    include_full = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        if not attrs.get("makeup_id") and not (attrs.get("profile_id") and attrs.get("redeem")):
            raise serializers.ValidationError({"makeup_id": messages.MAKEUP_OR_REDEEM_REQUIRED})
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": core_messages.DATE_TO_BEFORE_FROM})
        return attrs


class MatchOutput(serializers.Serializer):
    same_level = serializers.BooleanField()
    same_coach = serializers.BooleanField()
    same_venue = serializers.BooleanField()
    text = serializers.CharField()


class AvailableItemOutput(ScheduleItemOutput):
    """A schedule item (its id is the schedule's) with what a make-up needs to know about it."""

    original_price = serializers.SerializerMethodField()
    price = serializers.SerializerMethodField()
    duration_minutes = serializers.IntegerField(source="course.duration_minutes")
    duration_difference = serializers.SerializerMethodField()
    match = serializers.SerializerMethodField()
    notice = serializers.SerializerMethodField()
    confirm_prompt = serializers.SerializerMethodField()
    full_prompt = serializers.SerializerMethodField()

    class Meta(ScheduleItemOutput.Meta):
        fields = [
            *ScheduleItemOutput.Meta.fields,
            "original_price",
            "price",
            "duration_minutes",
            "duration_difference",
            "match",
            "notice",
            "confirm_prompt",
            "full_prompt",
        ]

    def _original_minutes(self) -> int:
        makeup = self.context.get("makeup")
        return makeup.original_minutes if makeup is not None else 0

    def get_original_price(self, schedule) -> str:
        return f"{schedule.course.price:.2f}"

    def get_price(self, schedule) -> str:
        return "0.00"

    def get_duration_difference(self, schedule) -> int:
        return schedule.course.duration_minutes - self._original_minutes()

    @extend_schema(responses=MatchOutput)
    def get_match(self, schedule) -> dict:
        return selectors.makeup_match(
            schedule=schedule, makeup=self.context.get("makeup"), profile=self.context["profile"]
        )

    def _shorter(self, schedule) -> bool:
        return self.context.get("makeup") is not None and self.get_duration_difference(schedule) < 0

    def get_notice(self, schedule) -> str | None:
        return messages.SHORTER_NOTICE if self._shorter(schedule) else None

    def get_confirm_prompt(self, schedule) -> str | None:
        if not self._shorter(schedule):
            return None
        return selectors.makeup_confirm_prompt(
            session_minutes=schedule.course.duration_minutes, original_minutes=self._original_minutes()
        )

    def get_full_prompt(self, schedule) -> str | None:
        return messages.FULL_PROMPT if schedule.available <= 0 else None


class BookInput(serializers.Serializer):
    course_schedule_id = IdField()
    profile_id = IdField()
    original_booking_id = IdField(required=False, allow_null=True)
    use_compensation = serializers.BooleanField(required=False, default=False)
    confirm_shorter = serializers.BooleanField(required=False, default=False)


class BookOutput(serializers.Serializer):
    makeup_booking_id = serializers.IntegerField()
    duration_difference = serializers.IntegerField()
    compensation_generated = serializers.IntegerField()
    compensation_used = serializers.IntegerField()
    remaining_compensation = serializers.IntegerField()
