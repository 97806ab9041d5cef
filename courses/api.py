"""Mini-program API of courses: schedules, bookings, cancel and leave. Thin: validate, call, render."""

import math

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets

from accounts.selectors import profile_of_owner_or_only
from core import hot_reads
from core.api import hot_reads_key, ok
from core.fields import BoundedDateField, IdField
from courses import messages as course_messages
from courses import selectors
from courses.models import Booking, Course, CourseSchedule
from waitlist import messages
from waitlist import selectors as waitlist_selectors
from waitlist import services as waitlist_services


class CourseOutput(serializers.ModelSerializer):
    course_type = serializers.CharField(source="course_type.code")

    class Meta:
        model = Course
        fields = ["id", "name", "course_type", "level", "duration_minutes", "price"]


class ScheduleWaitlistOutput(serializers.Serializer):
    count = serializers.IntegerField()
    capacity = serializers.IntegerField()
    is_open = serializers.BooleanField()
    display = serializers.CharField()


class ScheduleOfferOutput(serializers.Serializer):
    offer_id = serializers.IntegerField()
    deadline = serializers.DateTimeField()
    seconds_left = serializers.IntegerField()
    phase = serializers.CharField()
    button = serializers.CharField()


class ScheduleMyOutput(serializers.Serializer):
    booking_id = serializers.IntegerField(allow_null=True)
    waitlist_id = serializers.IntegerField(allow_null=True)
    waitlist_status = serializers.CharField(allow_null=True)
    position = serializers.IntegerField(allow_null=True)
    offer = ScheduleOfferOutput(allow_null=True, required=False, help_text="schedule detail only")
    button = serializers.CharField(allow_null=True, required=False, help_text="schedule detail only: 加入候补 / 已候补")


def offer_view(takeable, now) -> dict:
    seconds_left = max(0, math.ceil((takeable.deadline - now).total_seconds()))
    return ScheduleOfferOutput({"offer_id": takeable.offer.pk, "deadline": takeable.deadline, "seconds_left": seconds_left,
                                "phase": takeable.offer.phase, "button": messages.BUTTON_TAKE}).data


class ScheduleItemOutput(serializers.ModelSerializer):
    """A schedule item of `GET schedules` (API.md); `my` only for a known profile (profile_id, or a one-child
    parent's only child)."""

    course = CourseOutput()
    booked_count = serializers.IntegerField()
    available = serializers.SerializerMethodField()
    is_full = serializers.SerializerMethodField()
    label = serializers.SerializerMethodField()
    waitlist = serializers.SerializerMethodField()
    my = serializers.SerializerMethodField()

    class Meta:
        model = CourseSchedule
        fields = [
            "id", "course", "starts_at", "ends_at", "coach", "venue", "capacity", "status",
            "booked_count", "available", "is_full", "label", "waitlist", "my",
        ]

    def get_available(self, schedule) -> int:
        return max(schedule.available, 0)

    def get_is_full(self, schedule) -> bool:
        return schedule.available <= 0

    def get_label(self, schedule) -> str | None:
        if schedule.status == CourseSchedule.Status.CANCELLED:  # a cancelled class is never offered as full
            return course_messages.CANCELLED_LABEL
        return course_messages.FULL_LABEL if schedule.available <= 0 else None

    @extend_schema(responses=ScheduleWaitlistOutput)
    def get_waitlist(self, schedule) -> dict:
        count, capacity = schedule.waitlist_count, schedule.effective_waitlist_capacity
        return {
            "count": count,
            "capacity": capacity,
            "is_open": waitlist_selectors.waitlist_is_open(schedule=schedule, now=self.context["now"]),
            "display": waitlist_selectors.count_display(count, capacity),
        }

    @extend_schema(responses=ScheduleMyOutput(allow_null=True))
    def get_my(self, schedule) -> dict | None:
        if not hasattr(schedule, "my_booking_id"):
            return None
        entry = self.context.get("my_entries", {}).get(schedule.pk)
        waiting = entry is not None and entry.status == "waiting"
        my = {
            "booking_id": schedule.my_booking_id,
            "waitlist_id": entry.pk if entry else None,
            "waitlist_status": entry.status if entry else None,
            "position": entry.ahead + 1 if waiting else None,
        }
        if self.context.get("detail"):
            my["offer"] = self.context.get("my_offer")
            # Shown on a full queue too: tapping it answers the join's 409 候补队列已满，请选择其他课程 (API.md).
            joinable = (schedule.available <= 0 and not waiting and schedule.my_booking_id is None
                        and waitlist_selectors.waitlist_is_open(schedule=schedule, now=self.context["now"]))
            my["button"] = messages.BUTTON_JOINED if waiting else (messages.BUTTON_JOIN if joinable else None)
        return my


class ScheduleQuery(serializers.Serializer):
    date_from = BoundedDateField(required=False)
    date_to = BoundedDateField(required=False)
    course_type = serializers.SlugField(required=False, max_length=32)
    level = serializers.IntegerField(required=False, min_value=1, max_value=99)
    profile_id = IdField(required=False)

    def validate(self, attrs):
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": "结束日期不能早于开始日期"})
        return attrs


class ScheduleDetailQuery(serializers.Serializer):
    profile_id = IdField(required=False)


def _profile_or_only_child(request, data: dict):
    """schedules and schedules/{id}: a missing profile_id means the only child of a one-child parent.
    Safe for the hot-read cache: adding or removing a profile writes accounts_profile, which bumps
    the version every cached answer is keyed by (core/hot_reads.py)."""
    return profile_of_owner_or_only(user=request.user, profile_id=data.get("profile_id"))


@extend_schema(tags=["schedules"])
class ScheduleViewSet(viewsets.GenericViewSet):
    serializer_class = ScheduleItemOutput
    lookup_value_regex = r"\d+"

    @extend_schema(parameters=[ScheduleQuery], responses=ScheduleItemOutput(many=True))
    def list(self, request):
        def compute():  # the key is the whole request: a hit was validated when it was computed
            query = ScheduleQuery(data=request.query_params)
            query.is_valid(raise_exception=True)
            filters = dict(query.validated_data)
            profile = _profile_or_only_child(request, filters)
            now = timezone.now()
            schedules = selectors.schedule_list(now=now, **{k: v for k, v in filters.items() if k != "profile_id"})
            page_ids = list(self.paginate_queryset(schedules.values_list("pk", flat=True)))
            page = waitlist_selectors.schedules_in_order(schedule_ids=page_ids, profile=profile)
            context = {"now": now}
            if profile is not None:
                context["my_entries"] = waitlist_selectors.my_entries_by_schedule(profile=profile, schedule_ids=page_ids)
            data = self.get_paginated_response(ScheduleItemOutput(page, many=True, context=context).data).data
            return data, waitlist_selectors.schedule_list_valid_until(schedules=schedules, page=page, now=now,
                                                             upcoming=not filters.get("date_from"))

        return hot_reads.answer(hot_reads_key(request, "schedules"), compute)

    @extend_schema(parameters=[ScheduleDetailQuery], responses=ScheduleItemOutput)
    def retrieve(self, request, pk=None):
        query = ScheduleDetailQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        profile = _profile_or_only_child(request, query.validated_data)
        now = timezone.now()
        context = {"now": now, "detail": True}
        if profile is not None:
            # my.offer must not show what a due hand-over has already taken away (RULES §5.5).
            waitlist_services.waitlist_catch_up(schedule_id=int(pk), now=now)
        schedule = waitlist_selectors.schedule_detail(schedule_id=int(pk), profile=profile)
        if profile is not None:
            entries = waitlist_selectors.my_entries_by_schedule(profile=profile, schedule_ids=[schedule.pk])
            context["my_entries"] = entries
            entry = entries.get(schedule.pk)
            offers = waitlist_selectors.takeable_offers(entry=entry, now=now) if entry else []
            context["my_offer"] = offer_view(offers[0], now) if offers else None
        return ok(ScheduleItemOutput(schedule, context=context).data)


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
