"""The mini-program endpoints whose commands span apps (API.md): bookings, make-ups, the waitlist. Thin:
validate, call one flow (or a selector), render with the serializers of the app that owns the shape.
The schedule list and detail stay in waitlist/api.py (they read, and write nothing but a catch-up)."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAdminUser

from accounts.selectors import profile_of_owner, profile_of_owner_or_only
from core import hot_reads
from core.api import hot_reads_key, ok
from core.errors import BusinessError
from courses import messages as course_messages
from courses import selectors as course_selectors
from courses.api import (
    BookingCreateInput,
    BookingCreateOutput,
    BookingEndedOutput,
    BookingOutput,
    BookingsMyQuery,
    LeaveInput,
    LeaveOutput,
)
from courses.models import Booking
from flows import booking as booking_flows
from flows import offers
from makeup import messages as makeup_messages
from makeup import selectors as makeup_selectors
from makeup import services as makeup_services
from makeup.api import (
    AvailableItemOutput,
    AvailableQuery,
    BookInput,
    BookOutput,
    MakeupMyQuery,
    MakeupOutput,
    makeup_item,
)
from makeup.models import MakeupBooking
from waitlist import messages as waitlist_messages
from waitlist import selectors as waitlist_selectors
from waitlist import services as waitlist_services
from waitlist.api import (
    AlternativeItemOutput,
    AutoAcceptInput,
    EntryOutput,
    JoinInput,
    JoinOutput,
    NotificationRowOutput,
    NotifyInput,
    PositionOutput,
    RespondInput,
    WaitlistMyQuery,
    alternative_items,
    entry_items,
    entry_of_owner,
    refresh_countdowns,
)
from waitlist.selectors import schedules_in_order, schedules_valid_until

WAITLIST_FULL = "waitlist_full"  # the join's refusal that carries other classes (RULES §15)


@extend_schema(tags=["bookings"])
class BookingViewSet(viewsets.GenericViewSet):
    serializer_class = BookingOutput
    lookup_value_regex = r"\d+"

    @extend_schema(request=BookingCreateInput, responses=BookingCreateOutput)
    def create(self, request):
        payload = BookingCreateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        profile = profile_of_owner(user=request.user, profile_id=payload.validated_data["profile_id"])
        seat = booking_flows.booking_create(profile=profile, schedule_id=payload.validated_data["course_schedule_id"])
        return ok(BookingCreateOutput(seat).data, message=course_messages.BOOKED)

    @extend_schema(parameters=[BookingsMyQuery], responses=BookingOutput(many=True))
    @action(detail=False, methods=["get"])
    def my(self, request):
        query = BookingsMyQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        profile_id = query.validated_data.get("profile_id")
        profile = profile_of_owner(user=request.user, profile_id=profile_id) if profile_id else None
        bookings = course_selectors.booking_list_of(
            user=request.user,
            profile=profile,
            status=query.validated_data.get("status"),
            when=query.validated_data.get("when"),
        )
        page = self.paginate_queryset(bookings)
        return self.get_paginated_response(BookingOutput(page, many=True).data)

    @extend_schema(request=None, responses=BookingEndedOutput)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        mine = course_selectors.booking_of_owner(user=request.user, booking_id=int(pk))
        cancelled = booking_flows.booking_cancel(booking_id=mine.pk)
        return ok({"booking_id": cancelled.pk, "status": cancelled.status}, message=course_messages.BOOKING_CANCELLED)

    @extend_schema(request=LeaveInput, responses=LeaveOutput)
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        payload = LeaveInput(data=request.data)
        payload.is_valid(raise_exception=True)
        mine = course_selectors.booking_of_owner(user=request.user, booking_id=int(pk))
        result = booking_flows.booking_leave(booking_id=mine.pk, reason=payload.validated_data["reason"])
        # A make-up seat's leave cancels that make-up (RULES §1, §6.5): no new one is owed.
        message = (
            course_messages.MAKEUP_SEAT_CANCELLED
            if result.booking.kind == Booking.Kind.MAKEUP
            else course_messages.LEAVE_TAKEN
        )
        return ok(
            {"booking_id": result.booking.pk, "status": result.booking.status, "makeup_id": result.makeup_id},
            message=message,
        )


@extend_schema(tags=["makeup"])
class MakeupViewSet(viewsets.GenericViewSet):
    lookup_value_regex = r"\d+"
    serializer_class = MakeupOutput

    @extend_schema(parameters=[MakeupMyQuery], responses=MakeupOutput(many=True))
    @action(detail=False, methods=["get"])
    def my(self, request):
        query = MakeupMyQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        profile_id = query.validated_data.get("profile_id")
        profile = profile_of_owner(user=request.user, profile_id=profile_id) if profile_id else None
        page = self.paginate_queryset(
            makeup_selectors.makeups_of(user=request.user, profile=profile, status=query.validated_data.get("status"))
        )
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
                makeup = makeup_selectors.makeup_of_owner(user=request.user, makeup_id=data["makeup_id"])
                profile = makeup.profile
            else:
                profile = profile_of_owner(user=request.user, profile_id=data["profile_id"])
            filters = {key: value for key, value in data.items() if key not in ("makeup_id", "profile_id", "redeem")}
            # A seat freed or taken in any class may add or remove a candidate.
            hot_reads.depends_on(family_id=request.user.pk, any_class=True)
            now = timezone.now()
            ids, first_start = makeup_selectors.makeup_eligible_schedule_ids(
                profile=profile, now=now, makeup=makeup, **filters
            )
            page = schedules_in_order(schedule_ids=self.paginate_queryset(ids), profile=profile)
            context = {"now": now, "makeup": makeup, "profile": profile}
            items = AvailableItemOutput(page, many=True, context=context).data
            # The search changes without a write when its first candidate starts.
            return self.get_paginated_response(items).data, schedules_valid_until(
                schedules=page, now=now, first_change=first_start
            )

        return hot_reads.answer(hot_reads_key(request, "makeup-available"), compute)

    @extend_schema(request=BookInput, responses=BookOutput)
    @action(detail=False, methods=["post"])
    def book(self, request):
        payload = BookInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        profile = profile_of_owner(user=request.user, profile_id=data["profile_id"])
        result = booking_flows.makeup_book(
            profile=profile,
            schedule_id=data["course_schedule_id"],
            original_booking_id=data.get("original_booking_id"),
            use_compensation=data["use_compensation"],
            confirm_shorter=data["confirm_shorter"],
        )
        return ok(
            BookOutput(
                {
                    "makeup_booking_id": result.makeup.pk,
                    "duration_difference": result.duration_difference,
                    "compensation_generated": result.compensation_generated,
                    "compensation_used": result.compensation_used,
                    "remaining_compensation": result.remaining_compensation,
                }
            ).data,
            message=makeup_messages.BOOKED,
        )

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "MakeupCancelOutput",
            {
                "id": serializers.IntegerField(),
                "status": serializers.CharField(),
                "compensation_restored": serializers.IntegerField(),
                "compensation_revoked": serializers.IntegerField(),
            },
        ),
    )
    @action(detail=True, methods=["delete"])
    def cancel(self, request, pk=None):
        makeup = MakeupBooking.objects.filter(pk=int(pk), profile__owner=request.user).first()
        if makeup is None:
            raise BusinessError.not_found()
        result = makeup_services.makeup_cancel(makeup_id=makeup.pk)
        return ok(
            {
                "id": result.makeup.pk,
                "status": result.makeup.status,
                "compensation_restored": result.compensation_restored,
                "compensation_revoked": result.compensation_revoked,
            }
        )


def _entry_item(request, entry_id: int) -> dict:
    """One of the caller's entries as its `waitlist/my` item (any status), or 404 资源不存在."""
    entries = list(waitlist_selectors.waitlist_entries_of(user=request.user, status=None).filter(pk=entry_id))
    if not entries:
        raise BusinessError.not_found()
    now = timezone.now()
    takeable = waitlist_selectors.waitlist_takeable_offers_for(entries=entries, now=now)
    return entry_items(entries, takeable, now)[0]


JOIN_REFUSED = OpenApiResponse(
    response=inline_serializer(
        "WaitlistJoinRefusal",
        {
            "code": serializers.IntegerField(),
            "message": serializers.CharField(),
            "error": serializers.CharField(help_text="e.g. waitlist_full, already_waitlisted, waitlist_closed"),
            "data": inline_serializer(
                "WaitlistFullData",
                {
                    "alternatives": AlternativeItemOutput(
                        many=True, help_text="up to 5 other classes, as `schedules/{id}/alternatives` answers"
                    )
                },
                allow_null=True,
                help_text="waitlist_full (not a make-up join, RULES §15): the other classes; any other refusal: null",
            ),
        },
    ),
    description="A business rule refused the join (see `error`). A full queue (`waitlist_full`) carries "
    "`data.alternatives`, except for a join with a `makeup_id`",
)


@extend_schema(tags=["waitlist"])
class WaitlistViewSet(viewsets.GenericViewSet):
    lookup_value_regex = r"\d+"
    serializer_class = EntryOutput

    @extend_schema(request=JoinInput, responses={200: JoinOutput, 409: JOIN_REFUSED})
    @action(detail=False, methods=["post"])
    def join(self, request):
        payload = JoinInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        profile = profile_of_owner(user=request.user, profile_id=data["profile_id"])
        now = timezone.now()
        try:
            result = offers.waitlist_join(
                profile=profile,
                schedule_id=data["course_schedule_id"],
                now=now,
                confirm_shorter=data["confirm_shorter"],
                use_compensation=data["use_compensation"],
                makeup_id=data.get("makeup_id"),
                auto_accept=data["auto_accept"],
            )
        except BusinessError as refusal:
            # RULES §15: 请选择其他课程, and here they are; not for a make-up join, whose other classes
            # would be regular (paid) bookings while the make-up is still owed.
            if refusal.error == WAITLIST_FULL and data.get("makeup_id") is None:
                schedule = waitlist_selectors.schedule_detail(schedule_id=data["course_schedule_id"], profile=None)
                refusal.data = {"alternatives": alternative_items(schedule=schedule, profile=profile, now=now)}
            raise
        schedule = result.entry.schedule
        history = waitlist_selectors.waitlist_offers_released_history(course_ids=[schedule.course_id], now=now)
        return ok(
            JoinOutput(
                {
                    "waitlist_id": result.entry.pk,
                    "position": result.position,
                    "count": result.count,
                    "capacity": result.capacity,
                    "display": waitlist_selectors.waitlist_position_text(position=result.position),
                    "estimated_wait_time": waitlist_selectors.waitlist_estimated_wait(schedule=schedule, now=now),
                    "promotion_chance": waitlist_selectors.waitlist_promotion_chance(
                        history=history.get(schedule.course_id, []), position=result.position
                    ),
                }
            ).data,
            message=waitlist_messages.JOINED,
        )

    @extend_schema(parameters=[WaitlistMyQuery], responses=EntryOutput(many=True))
    @action(detail=False, methods=["get"])
    def my(self, request):
        def compute():  # the key is the whole request: a hit was validated when it was computed
            query = WaitlistMyQuery(data=request.query_params)
            query.is_valid(raise_exception=True)
            status = query.validated_data["status"]
            # A one-child parent's missing profile_id means that child (the cache stays right: a
            # profile write bumps the hot-read version).
            profile = profile_of_owner_or_only(user=request.user, profile_id=query.validated_data.get("profile_id"))
            hot_reads.depends_on(family_id=request.user.pk)  # entries joined or ended for the family
            # Before positions and offers are read: the classes where the family waits.
            hot_reads.depends_on(classes=waitlist_selectors.waitlist_waiting_schedule_ids(user=request.user))
            entries = waitlist_selectors.waitlist_entries_of(
                user=request.user, profile=profile, status=None if status == "all" else status
            )
            page = list(self.paginate_queryset(entries))
            now = timezone.now()
            takeable = waitlist_selectors.waitlist_takeable_offers_for(entries=page, now=now)
            changes = []  # when the alternatives counts change without a write (RULES §15)
            data = self.get_paginated_response(entry_items(page, takeable, now, changes=changes)).data
            valid_until = waitlist_selectors.waitlist_entries_valid_until(entries=page, takeable=takeable, now=now)
            return data, hot_reads.earliest(valid_until, *changes, after=now)

        return hot_reads.answer(hot_reads_key(request, "waitlist-my"), compute, refresh=refresh_countdowns)

    @extend_schema(responses=EntryOutput)
    def retrieve(self, request, pk=None):
        """GET waitlist/{id}: one of the parent's entries, as its `waitlist/my` item (any status);
        another parent's id answers 404 资源不存在, as for any id that is not theirs."""
        return ok(_entry_item(request, int(pk)))

    @extend_schema(request=AutoAcceptInput, responses=EntryOutput)
    def partial_update(self, request, pk=None):
        """PATCH waitlist/{id} {auto_accept} (RULES §12): owner only, only while waiting (409 not_waiting)."""
        payload = AutoAcceptInput(data=request.data)
        payload.is_valid(raise_exception=True)
        entry = entry_of_owner(request, int(pk))
        auto_accept = payload.validated_data["auto_accept"]
        waitlist_services.waitlist_entry_set_auto_accept(entry_id=entry.pk, auto_accept=auto_accept)
        message = waitlist_messages.AUTO_ACCEPT_ON if auto_accept else waitlist_messages.AUTO_ACCEPT_OFF
        return ok(_entry_item(request, entry.pk), message=message)

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "WaitlistCancelOutput", {"id": serializers.IntegerField(), "status": serializers.CharField()}
        ),
    )
    def destroy(self, request, pk=None):
        entry = entry_of_owner(request, int(pk))
        entry = waitlist_services.waitlist_entry_cancel(entry_id=entry.pk)
        return ok({"id": entry.pk, "status": entry.status}, message=waitlist_messages.CANCELLED)

    @extend_schema(responses=PositionOutput)
    @action(detail=False, methods=["get"], url_path=r"position/(?P<entry_id>\d+)")
    def position(self, request, entry_id=None):
        entry = entry_of_owner(request, int(entry_id))
        position = waitlist_selectors.waitlist_entry_position(entry=entry)
        return ok(
            PositionOutput(
                {
                    "id": entry.pk,
                    "status": entry.status,
                    "position": position,
                    "count": waitlist_selectors.waitlist_waiting_count(schedule_id=entry.schedule_id),
                    "capacity": waitlist_selectors.waitlist_capacity(schedule=entry.schedule),
                    "display": waitlist_selectors.waitlist_position_text(position=position) if position else None,
                }
            ).data
        )

    @extend_schema(
        request=RespondInput,
        responses={
            200: inline_serializer(
                "WaitlistRespondOutput",
                {
                    "deadline": serializers.DateTimeField(required=False),
                    "seconds_left": serializers.IntegerField(required=False),
                    "prompt": serializers.CharField(required=False),
                    "booking_id": serializers.IntegerField(required=False),
                    "kind": serializers.CharField(required=False),
                    "id": serializers.IntegerField(required=False),
                    "status": serializers.CharField(required=False),
                },
            )
        },
    )
    @action(detail=True, methods=["put"])
    def respond(self, request, pk=None):
        payload = RespondInput(data=request.data)
        payload.is_valid(raise_exception=True)
        entry = entry_of_owner(request, int(pk))
        action_name = payload.validated_data["action"]
        if action_name == "start":
            result = waitlist_services.waitlist_offer_start(entry_id=entry.pk)
            return ok(
                {
                    "deadline": serializers.DateTimeField().to_representation(result.deadline),
                    "seconds_left": result.seconds_left,
                    "prompt": result.prompt,
                }
            )
        if action_name == "accept":
            result = offers.waitlist_offer_accept(entry_id=entry.pk)
            return ok({"booking_id": result.pk, "kind": result.kind}, message=waitlist_messages.ACCEPTED)
        result = waitlist_services.waitlist_offer_decline(entry_id=entry.pk)
        return ok({"id": result.pk, "status": result.status}, message=waitlist_messages.DECLINED)

    @extend_schema(responses=NotificationRowOutput(many=True))
    @action(detail=True, methods=["get"])
    def notifications(self, request, pk=None):
        entry = entry_of_owner(request, int(pk))
        page = self.paginate_queryset(waitlist_selectors.waitlist_entry_notifications(entry=entry))
        return self.get_paginated_response(NotificationRowOutput(page, many=True).data)

    @extend_schema(
        request=NotifyInput,
        responses=inline_serializer(
            "WaitlistNotifyOutput",
            {"offers_opened": serializers.IntegerField(), "notified": serializers.IntegerField()},
        ),
    )
    @action(detail=False, methods=["post"], permission_classes=[IsAdminUser])
    def notify(self, request):
        payload = NotifyInput(data=request.data)
        payload.is_valid(raise_exception=True)
        result = waitlist_services.waitlist_notify(schedule_id=payload.validated_data["course_schedule_id"])
        return ok({"offers_opened": result.offers_opened, "notified": result.notified})
