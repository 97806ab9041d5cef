"""Mini-program API of the waitlist (API.md): the schedule list and detail (seats, the queue, my offer),
join, my, cancel, position, respond, notifications, and the operators' manual send.
Thin: validate, call one service or selector, render."""

import math
from datetime import datetime

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action

from accounts.selectors import profile_of_owner_or_only
from core import hot_reads
from core import messages as core_messages
from core.api import hot_reads_key, ok
from core.errors import BusinessError
from core.fields import BoundedDateField, IdField
from courses import messages as course_messages
from courses import selectors as course_selectors
from courses.api import CourseOutput, ScheduleBriefOutput
from courses.models import CourseSchedule
from waitlist import messages, selectors, services
from waitlist.models import WaitlistEntry, WaitlistNotification


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
    alternatives_count = serializers.IntegerField(
        allow_null=True,
        required=False,
        help_text="schedule detail only: of a full class, how many other classes `alternatives` offers (0-5)",
    )


def offer_view(takeable, now) -> dict:
    seconds_left = max(0, math.ceil((takeable.deadline - now).total_seconds()))
    return ScheduleOfferOutput(
        {
            "offer_id": takeable.offer.pk,
            "deadline": takeable.deadline,
            "seconds_left": seconds_left,
            "phase": takeable.offer.phase,
            "button": messages.BUTTON_TAKE,
        }
    ).data


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
            "id",
            "course",
            "starts_at",
            "ends_at",
            "coach",
            "venue",
            "capacity",
            "status",
            "booked_count",
            "available",
            "is_full",
            "label",
            "waitlist",
            "my",
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
            "is_open": selectors.waitlist_is_open(schedule=schedule, now=self.context["now"]),
            "display": selectors.waitlist_count_text(count=count, capacity=capacity),
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
            joinable = (
                schedule.available <= 0
                and not waiting
                and schedule.my_booking_id is None
                and selectors.waitlist_is_open(schedule=schedule, now=self.context["now"])
            )
            my["button"] = messages.BUTTON_JOINED if waiting else (messages.BUTTON_JOIN if joinable else None)
            my["alternatives_count"] = self.context.get("my_alternatives_count")
        return my


class AlternativeMatchOutput(serializers.Serializer):
    same_course = serializers.BooleanField()
    same_coach = serializers.BooleanField()
    same_venue = serializers.BooleanField()
    text = serializers.CharField(help_text="同课程 / 同类型同级别 · 同教练 · 同场馆 · 周六 10:00")


class AlternativeItemOutput(ScheduleItemOutput):
    """A schedule item offered instead of a full class (RULES §15), with how it matches that class."""

    match = serializers.SerializerMethodField()

    class Meta(ScheduleItemOutput.Meta):
        fields = [*ScheduleItemOutput.Meta.fields, "match"]

    @extend_schema(responses=AlternativeMatchOutput)
    def get_match(self, schedule) -> dict:
        return selectors.schedule_alternative_match(schedule=schedule, full=self.context["full"])


def alternative_items(*, schedule: CourseSchedule, profile, now) -> list:
    """RULES §15's list for `schedule` (its `course` loaded) and the child, as the parent reads it."""
    page = selectors.schedule_alternatives(schedule=schedule, profile=profile, now=now)
    context = {"now": now, "full": schedule}
    if profile is not None:
        context["my_entries"] = selectors.waitlist_entries_by_schedule(
            profile=profile, schedule_ids=[item.pk for item in page]
        )
    return AlternativeItemOutput(page, many=True, context=context).data


class ScheduleQuery(serializers.Serializer):
    date_from = BoundedDateField(required=False)
    date_to = BoundedDateField(required=False)
    course_type = serializers.SlugField(required=False, max_length=32)
    level = serializers.IntegerField(required=False, min_value=1, max_value=99)
    profile_id = IdField(required=False)

    def validate(self, attrs):
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": core_messages.DATE_TO_BEFORE_FROM})
        return attrs


class ScheduleDetailQuery(serializers.Serializer):
    profile_id = IdField(required=False)


class ScheduleAlternativesQuery(serializers.Serializer):
    profile_id = IdField(required=False, help_text="optional when the parent has exactly one child")


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
            hot_reads.depends_on(family_id=request.user.pk)  # the child's own seats and entries
            now = timezone.now()
            schedules = course_selectors.schedule_list(
                now=now, **{k: v for k, v in filters.items() if k != "profile_id"}
            )
            page_ids = list(self.paginate_queryset(schedules.values_list("pk", flat=True)))
            hot_reads.depends_on(classes=page_ids)  # before their seats and queues are read
            page = selectors.schedules_in_order(schedule_ids=page_ids, profile=profile)
            context = {"now": now}
            if profile is not None:
                context["my_entries"] = selectors.waitlist_entries_by_schedule(profile=profile, schedule_ids=page_ids)
            data = self.get_paginated_response(ScheduleItemOutput(page, many=True, context=context).data).data
            return data, selectors.schedule_list_valid_until(
                schedules=schedules, page=page, now=now, upcoming=not filters.get("date_from")
            )

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
            services.waitlist_catch_up(schedule_id=int(pk), now=now)
        schedule = selectors.schedule_detail(schedule_id=int(pk), profile=profile)
        if profile is not None:
            entries = selectors.waitlist_entries_by_schedule(profile=profile, schedule_ids=[schedule.pk])
            context["my_entries"] = entries
            entry = entries.get(schedule.pk)
            offers = selectors.waitlist_takeable_offers(entry=entry, now=now) if entry else []
            context["my_offer"] = offer_view(offers[0], now) if offers else None
            if schedule.available <= 0:  # RULES §15: a full class says how many others it can offer
                context["my_alternatives_count"] = len(
                    selectors.schedule_alternatives_for(targets=[(schedule, profile)], now=now).ids[0]
                )
        return ok(ScheduleItemOutput(schedule, context=context).data)

    @extend_schema(parameters=[ScheduleAlternativesQuery], responses=AlternativeItemOutput(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)  # at most 5: a plain list, never paged
    def alternatives(self, request, pk=None):
        """GET schedules/{id}/alternatives (RULES §15): up to 5 other classes with a free seat for the child.
        profile_id as in `compensation/balance`: optional for a one-child parent, else 400 when missing."""
        query = ScheduleAlternativesQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        profile = _profile_or_only_child(request, query.validated_data)
        if profile is None:
            raise serializers.ValidationError({"profile_id": [serializers.Field.default_error_messages["required"]]})
        schedule = selectors.schedule_detail(schedule_id=int(pk), profile=None)
        return ok(alternative_items(schedule=schedule, profile=profile, now=timezone.now()))


class JoinInput(serializers.Serializer):
    course_schedule_id = IdField()
    profile_id = IdField()
    makeup_id = IdField(required=False, allow_null=True)
    confirm_shorter = serializers.BooleanField(required=False, default=False)
    use_compensation = serializers.BooleanField(required=False, default=False)
    auto_accept = serializers.BooleanField(
        required=False, default=False, help_text="自动递补 (RULES §12): book a freed seat at once"
    )


class AutoAcceptInput(serializers.Serializer):
    auto_accept = serializers.BooleanField()


class JoinOutput(serializers.Serializer):
    waitlist_id = serializers.IntegerField()
    position = serializers.IntegerField()
    count = serializers.IntegerField()
    capacity = serializers.IntegerField()
    display = serializers.CharField()
    estimated_wait_time = serializers.CharField()
    promotion_chance = serializers.FloatField(allow_null=True)


class EntryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    profile_id = serializers.IntegerField(help_text="the child waiting: alternatives and bookings are for this child")
    status = serializers.CharField()
    position = serializers.IntegerField(allow_null=True)
    joined_at = serializers.DateTimeField()
    estimated_wait_time = serializers.CharField(allow_null=True)
    promotion_chance = serializers.FloatField(allow_null=True)
    schedule = ScheduleBriefOutput()
    offer = ScheduleOfferOutput(allow_null=True)
    makeup_id = serializers.IntegerField(allow_null=True)
    auto_accept = serializers.BooleanField()
    alternatives_count = serializers.IntegerField(
        allow_null=True,
        help_text="RULES §15: other classes `schedules/{id}/alternatives` offers (0-5), for a waiting entry "
        "(not a make-up wait) not first in line whose promotion_chance is below 0.3 or null; else null",
    )


class WaitlistMyQuery(serializers.Serializer):
    profile_id = IdField(required=False)
    status = serializers.ChoiceField(
        choices=[*WaitlistEntry.Status.values, "all"], required=False, default=WaitlistEntry.Status.WAITING
    )


class PositionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    position = serializers.IntegerField(allow_null=True)
    count = serializers.IntegerField()
    capacity = serializers.IntegerField()
    display = serializers.CharField(allow_null=True)


class RespondInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=["start", "accept", "decline"])


class NotificationRowOutput(serializers.ModelSerializer):
    template = serializers.CharField(source="notification.template", default=None)
    response_status = serializers.CharField(source="status")
    delivery_status = serializers.CharField(source="notification.wechat_status", default=None)
    sent_at = serializers.DateTimeField(source="notification.sent_at", default=None)

    class Meta:
        model = WaitlistNotification
        fields = [
            "id",
            "kind",
            "template",
            "response_status",
            "delivery_status",
            "response_deadline",
            "created_at",
            "sent_at",
        ]


class NotifyInput(serializers.Serializer):
    course_schedule_id = IdField()


ALTERNATIVES_BELOW_CHANCE = 0.3  # RULES §15: a lower chance of a seat offers other classes


def entry_items(entries: list[WaitlistEntry], takeable: dict, now, changes: list | None = None) -> list[dict]:
    """List items with positions (annotated), estimates, the offers each may take (`takeable`, from
    selectors.waitlist_takeable_offers_for) and, for a long wait, how many other classes are on offer
    (RULES §15), in a constant number of queries. `changes` receives the moment the counts change
    without a write (a candidate class starts), for a hot read's `valid_until`."""
    history = selectors.waitlist_offers_released_history(course_ids={e.schedule.course_id for e in entries}, now=now)
    items = []
    for entry in entries:
        waiting = entry.status == WaitlistEntry.Status.WAITING
        position = entry.ahead + 1 if waiting else None
        offers = takeable.get(entry.pk) or []
        items.append(
            {
                "id": entry.pk,
                "profile_id": entry.profile_id,
                "status": entry.status,
                "position": position,
                "joined_at": entry.joined_at,
                "estimated_wait_time": selectors.waitlist_estimated_wait(schedule=entry.schedule, now=now)
                if waiting
                else None,
                "promotion_chance": selectors.waitlist_promotion_chance(
                    history=history.get(entry.schedule.course_id, []), position=position
                ),
                "schedule": entry.schedule,
                "offer": offer_view(offers[0], now) if offers else None,
                "makeup_id": entry.makeup_id,
                "auto_accept": entry.auto_accept,
                "alternatives_count": None,
            }
        )
    first_start = _count_alternatives(entries, items, now)
    if changes is not None:
        changes.append(first_start)
    return EntryOutput(items, many=True).data


def _count_alternatives(entries: list[WaitlistEntry], items: list[dict], now) -> datetime | None:
    """RULES §15: a waiting entry behind someone, with a promotion chance below 0.3 or none, carries how
    many other classes `alternatives` offers its child (one query for the whole page). Not a make-up
    wait: its other classes would be regular (paid) bookings while the make-up is still owed."""
    long_waits = [
        (entry, item)
        for entry, item in zip(entries, items, strict=True)
        if entry.makeup_id is None
        and item["position"] is not None
        and item["position"] > 1
        and (item["promotion_chance"] is None or item["promotion_chance"] < ALTERNATIVES_BELOW_CHANCE)
    ]
    if not long_waits:
        return None
    hot_reads.depends_on(any_class=True)  # a seat taken or freed in any class may change the counts
    found = selectors.schedule_alternatives_for(
        targets=[(entry.schedule, entry.profile) for entry, _ in long_waits], now=now
    )
    for (_, item), ids in zip(long_waits, found.ids, strict=True):
        item["alternatives_count"] = len(ids)
    return found.first_start


def refresh_countdowns(data: dict, now) -> bool:
    """An offer's countdown is never cached: recomputed on every answer (hot reads)."""
    offers = [item["offer"] for item in data["items"] if item["offer"] is not None]
    for offer in offers:
        deadline = datetime.fromisoformat(offer["deadline"])
        offer["seconds_left"] = max(0, math.ceil((deadline - now).total_seconds()))
    return bool(offers)


def entry_of_owner(request, pk) -> WaitlistEntry:
    entry = (
        WaitlistEntry.objects.filter(pk=pk, profile__owner=request.user)
        .select_related("schedule__course__course_type")
        .first()
    )
    if entry is None:
        raise BusinessError.not_found()
    return entry
