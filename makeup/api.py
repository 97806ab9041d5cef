"""Mini-program API of make-ups (API.md): my make-ups, eligible sessions, book, cancel."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action

from accounts.selectors import profile_of_owner
from core import hot_reads
from core.api import hot_reads_key, ok
from core.errors import BusinessError
from core.fields import BoundedDateField, IdField
from courses.api import ScheduleBriefOutput, ScheduleItemOutput
from makeup import messages, selectors, services
from makeup.models import MakeupBooking
from waitlist.selectors import schedules_in_order, schedules_valid_until


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


class MyQuery(serializers.Serializer):
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
            raise serializers.ValidationError({"makeup_id": "请提供待补课记录，或档案与 redeem=true"})
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": "结束日期不能早于开始日期"})
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
        fields = [*ScheduleItemOutput.Meta.fields, "original_price", "price", "duration_minutes", "duration_difference",
                  "match", "notice", "confirm_prompt", "full_prompt"]

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
        return selectors.match_of(schedule=schedule, makeup=self.context.get("makeup"), profile=self.context["profile"])

    def _shorter(self, schedule) -> bool:
        return self.context.get("makeup") is not None and self.get_duration_difference(schedule) < 0

    def get_notice(self, schedule) -> str | None:
        return messages.SHORTER_NOTICE if self._shorter(schedule) else None

    def get_confirm_prompt(self, schedule) -> str | None:
        if not self._shorter(schedule):
            return None
        return selectors.confirm_prompt(session_minutes=schedule.course.duration_minutes,
                                        original_minutes=self._original_minutes())

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


@extend_schema(tags=["makeup"])
class MakeupViewSet(viewsets.GenericViewSet):
    lookup_value_regex = r"\d+"
    serializer_class = MakeupOutput

    @extend_schema(parameters=[MyQuery], responses=MakeupOutput(many=True))
    @action(detail=False, methods=["get"])
    def my(self, request):
        query = MyQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        profile_id = query.validated_data.get("profile_id")
        profile = profile_of_owner(user=request.user, profile_id=profile_id) if profile_id else None
        page = self.paginate_queryset(selectors.makeups_of(user=request.user, profile=profile,
                                                           status=query.validated_data.get("status")))
        return self.get_paginated_response(MakeupOutput([makeup_item(m) for m in page], many=True).data)

    @extend_schema(parameters=[AvailableQuery], responses=AvailableItemOutput(many=True))
    @action(detail=False, methods=["get"])
    def available(self, request):
        def compute():  # the key is the whole request: a hit was validated when it was computed
            query = AvailableQuery(data=request.query_params)
            query.is_valid(raise_exception=True)
            data = dict(query.validated_data)
            makeup = None
            if data.get("makeup_id"):
                makeup = selectors.makeup_of_owner(user=request.user, makeup_id=data["makeup_id"])
                profile = makeup.profile
            else:
                profile = profile_of_owner(user=request.user, profile_id=data["profile_id"])
            filters = {key: value for key, value in data.items() if key not in ("makeup_id", "profile_id", "redeem")}
            now = timezone.now()
            ids, first_start = selectors.eligible_schedule_ids(profile=profile, now=now, makeup=makeup, **filters)
            page = schedules_in_order(schedule_ids=self.paginate_queryset(ids), profile=profile)
            context = {"now": now, "makeup": makeup, "profile": profile}
            items = AvailableItemOutput(page, many=True, context=context).data
            # The search changes without a write when its first candidate starts.
            return self.get_paginated_response(items).data, schedules_valid_until(schedules=page, now=now, first_change=first_start)

        return hot_reads.answer(hot_reads_key(request, "makeup-available"), compute)

    @extend_schema(request=BookInput, responses=BookOutput)
    @action(detail=False, methods=["post"])
    def book(self, request):
        payload = BookInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        profile = profile_of_owner(user=request.user, profile_id=data["profile_id"])
        result = services.makeup_book(profile=profile, schedule_id=data["course_schedule_id"],
                                      original_booking_id=data.get("original_booking_id"),
                                      use_compensation=data["use_compensation"], confirm_shorter=data["confirm_shorter"])
        return ok(BookOutput({
            "makeup_booking_id": result.makeup.pk,
            "duration_difference": result.duration_difference,
            "compensation_generated": result.compensation_generated,
            "compensation_used": result.compensation_used,
            "remaining_compensation": result.remaining_compensation,
        }).data, message=messages.BOOKED)

    @extend_schema(request=None, responses=inline_serializer("MakeupCancelOutput", {
        "id": serializers.IntegerField(), "status": serializers.CharField(),
        "compensation_restored": serializers.IntegerField(), "compensation_revoked": serializers.IntegerField()}))
    @action(detail=True, methods=["delete"])
    def cancel(self, request, pk=None):
        makeup = MakeupBooking.objects.filter(pk=int(pk), profile__owner=request.user).first()
        if makeup is None:
            raise BusinessError.not_found()
        result = services.makeup_cancel(makeup_id=makeup.pk)
        return ok({"id": result.makeup.pk, "status": result.makeup.status,
                   "compensation_restored": result.compensation_restored,
                   "compensation_revoked": result.compensation_revoked})
