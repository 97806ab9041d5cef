"""Mini-program API of the waitlist (API.md): join, my, cancel, position, respond, notifications,
and the operators' manual send. Thin: validate, call one service or selector, render."""

import math
from datetime import datetime

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAdminUser

from accounts.selectors import profile_of_owner, profile_of_owner_or_only
from core import hot_reads
from core.api import hot_reads_key, ok
from core.errors import BusinessError
from core.fields import IdField
from courses.api import ScheduleBriefOutput, ScheduleOfferOutput, offer_view
from waitlist import messages, selectors, services
from waitlist.models import WaitlistEntry, WaitlistNotification


class JoinInput(serializers.Serializer):
    course_schedule_id = IdField()
    profile_id = IdField()
    makeup_id = IdField(required=False, allow_null=True)
    confirm_shorter = serializers.BooleanField(required=False, default=False)
    use_compensation = serializers.BooleanField(required=False, default=False)


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
    status = serializers.CharField()
    position = serializers.IntegerField(allow_null=True)
    joined_at = serializers.DateTimeField()
    estimated_wait_time = serializers.CharField(allow_null=True)
    promotion_chance = serializers.FloatField(allow_null=True)
    schedule = ScheduleBriefOutput()
    offer = ScheduleOfferOutput(allow_null=True)
    makeup_id = serializers.IntegerField(allow_null=True)


class MyQuery(serializers.Serializer):
    profile_id = IdField(required=False)
    status = serializers.ChoiceField(choices=[*WaitlistEntry.Status.values, "all"], required=False,
                                     default=WaitlistEntry.Status.WAITING)


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
        fields = ["id", "kind", "template", "response_status", "delivery_status", "response_deadline", "created_at", "sent_at"]


class NotifyInput(serializers.Serializer):
    course_schedule_id = IdField()


def entry_items(entries: list[WaitlistEntry], takeable: dict, now) -> list[dict]:
    """List items with positions (annotated), estimates and the offers each may take (`takeable`,
    from selectors.takeable_offers_for), in a constant number of queries."""
    history = selectors.offers_released_history(course_ids={e.schedule.course_id for e in entries}, now=now)
    items = []
    for entry in entries:
        waiting = entry.status == WaitlistEntry.Status.WAITING
        position = entry.ahead + 1 if waiting else None
        offers = takeable.get(entry.pk) or []
        items.append({
            "id": entry.pk,
            "status": entry.status,
            "position": position,
            "joined_at": entry.joined_at,
            "estimated_wait_time": selectors.estimated_wait_time(schedule=entry.schedule, now=now) if waiting else None,
            "promotion_chance": selectors.promotion_chance(history.get(entry.schedule.course_id, []), position),
            "schedule": entry.schedule,
            "offer": offer_view(offers[0], now) if offers else None,
            "makeup_id": entry.makeup_id,
        })
    return EntryOutput(items, many=True).data


def refresh_countdowns(data: dict, now) -> bool:
    """An offer's countdown is never cached: recomputed on every answer (hot reads)."""
    offers = [item["offer"] for item in data["items"] if item["offer"] is not None]
    for offer in offers:
        deadline = datetime.fromisoformat(offer["deadline"])
        offer["seconds_left"] = max(0, math.ceil((deadline - now).total_seconds()))
    return bool(offers)


def _entry_of_owner(request, pk) -> WaitlistEntry:
    entry = WaitlistEntry.objects.filter(pk=pk, profile__owner=request.user).select_related("schedule__course__course_type").first()
    if entry is None:
        raise BusinessError.not_found()
    return entry


@extend_schema(tags=["waitlist"])
class WaitlistViewSet(viewsets.GenericViewSet):
    lookup_value_regex = r"\d+"
    serializer_class = EntryOutput

    @extend_schema(request=JoinInput, responses=JoinOutput)
    @action(detail=False, methods=["post"])
    def join(self, request):
        payload = JoinInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        profile = profile_of_owner(user=request.user, profile_id=data["profile_id"])
        now = timezone.now()
        result = services.waitlist_join(profile=profile, schedule_id=data["course_schedule_id"], now=now,
                                        confirm_shorter=data["confirm_shorter"], use_compensation=data["use_compensation"],
                                        makeup_id=data.get("makeup_id"))
        schedule = result.entry.schedule
        history = selectors.offers_released_history(course_ids=[schedule.course_id], now=now)
        return ok(JoinOutput({
            "waitlist_id": result.entry.pk,
            "position": result.position,
            "count": result.count,
            "capacity": result.capacity,
            "display": selectors.position_display(result.position),
            "estimated_wait_time": selectors.estimated_wait_time(schedule=schedule, now=now),
            "promotion_chance": selectors.promotion_chance(history.get(schedule.course_id, []), result.position),
        }).data, message=messages.JOINED)

    @extend_schema(parameters=[MyQuery], responses=EntryOutput(many=True))
    @action(detail=False, methods=["get"])
    def my(self, request):
        def compute():  # the key is the whole request: a hit was validated when it was computed
            query = MyQuery(data=request.query_params)
            query.is_valid(raise_exception=True)
            status = query.validated_data["status"]
            # A one-child parent's missing profile_id means that child (the cache stays right: a
            # profile write bumps the hot-read version).
            profile = profile_of_owner_or_only(user=request.user, profile_id=query.validated_data.get("profile_id"))
            entries = selectors.entries_of(user=request.user, profile=profile, status=None if status == "all" else status)
            page = list(self.paginate_queryset(entries))
            now = timezone.now()
            takeable = selectors.takeable_offers_for(page, now)
            data = self.get_paginated_response(entry_items(page, takeable, now)).data
            return data, selectors.entries_valid_until(page, takeable, now)

        return hot_reads.answer(hot_reads_key(request, "waitlist-my"), compute, refresh=refresh_countdowns)

    @extend_schema(request=None, responses=inline_serializer("WaitlistCancelOutput", {
        "id": serializers.IntegerField(), "status": serializers.CharField()}))
    def destroy(self, request, pk=None):
        entry = _entry_of_owner(request, int(pk))
        entry = services.waitlist_entry_cancel(entry_id=entry.pk)
        return ok({"id": entry.pk, "status": entry.status}, message=messages.CANCELLED)

    @extend_schema(responses=PositionOutput)
    @action(detail=False, methods=["get"], url_path=r"position/(?P<entry_id>\d+)")
    def position(self, request, entry_id=None):
        entry = _entry_of_owner(request, int(entry_id))
        position = selectors.position_of(entry=entry)
        return ok(PositionOutput({
            "id": entry.pk,
            "status": entry.status,
            "position": position,
            "count": selectors.waiting_count(schedule_id=entry.schedule_id),
            "capacity": selectors.effective_capacity(schedule=entry.schedule),
            "display": selectors.position_display(position) if position else None,
        }).data)

    @extend_schema(request=RespondInput, responses={200: inline_serializer("WaitlistRespondOutput", {
        "deadline": serializers.DateTimeField(required=False), "seconds_left": serializers.IntegerField(required=False),
        "prompt": serializers.CharField(required=False), "booking_id": serializers.IntegerField(required=False),
        "kind": serializers.CharField(required=False), "id": serializers.IntegerField(required=False),
        "status": serializers.CharField(required=False)})})
    @action(detail=True, methods=["put"])
    def respond(self, request, pk=None):
        payload = RespondInput(data=request.data)
        payload.is_valid(raise_exception=True)
        entry = _entry_of_owner(request, int(pk))
        action_name = payload.validated_data["action"]
        result = services.waitlist_respond(entry_id=entry.pk, action=action_name)
        if action_name == "start":
            return ok({"deadline": serializers.DateTimeField().to_representation(result.deadline),
                       "seconds_left": result.seconds_left, "prompt": result.prompt})
        if action_name == "accept":
            return ok({"booking_id": result.pk, "kind": result.kind}, message=messages.ACCEPTED)
        return ok({"id": result.pk, "status": result.status}, message=messages.DECLINED)

    @extend_schema(responses=NotificationRowOutput(many=True))
    @action(detail=True, methods=["get"])
    def notifications(self, request, pk=None):
        entry = _entry_of_owner(request, int(pk))
        page = self.paginate_queryset(selectors.notifications_of_entry(entry=entry))
        return self.get_paginated_response(NotificationRowOutput(page, many=True).data)

    @extend_schema(request=NotifyInput, responses=inline_serializer("WaitlistNotifyOutput", {
        "offers_opened": serializers.IntegerField(), "notified": serializers.IntegerField()}))
    @action(detail=False, methods=["post"], permission_classes=[IsAdminUser])
    def notify(self, request):
        payload = NotifyInput(data=request.data)
        payload.is_valid(raise_exception=True)
        result = services.waitlist_notify(schedule_id=payload.validated_data["course_schedule_id"])
        return ok({"offers_opened": result.offers_opened, "notified": result.notified})
