"""Mini-program API of notifications: the in-app message centre and subscription grants."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action

from core.api import ok
from notifications import selectors, services
from notifications.models import Notification


class NotificationOutput(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "template", "title", "body", "page", "created_at", "read_at"]


class NotificationsQuery(serializers.Serializer):
    unread = serializers.BooleanField(required=False, allow_null=True, default=None)


class UnreadCountOutput(serializers.Serializer):
    count = serializers.IntegerField()


class ReadOutput(serializers.Serializer):
    id = serializers.IntegerField()
    read_at = serializers.DateTimeField()


class SubscriptionsInput(serializers.Serializer):
    accepted = serializers.ListField(
        child=serializers.CharField(max_length=128),
        min_length=1,
        max_length=20,
        help_text="The template ids the parent accepted in wx.requestSubscribeMessage",
    )


class SubscriptionsOutput(serializers.Serializer):
    granted = serializers.DictField(child=serializers.IntegerField(), help_text="template key → messages allowed")


@extend_schema(tags=["notifications"])
class NotificationViewSet(viewsets.GenericViewSet):
    serializer_class = NotificationOutput
    lookup_value_regex = r"\d+"

    @extend_schema(parameters=[NotificationsQuery], responses=NotificationOutput(many=True))
    def list(self, request):
        query = NotificationsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.notifications_of(user_id=request.user.pk, unread=query.validated_data["unread"])
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(NotificationOutput(page, many=True).data)

    @extend_schema(responses=UnreadCountOutput)
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request):
        return ok({"count": selectors.notification_unread_count(user_id=request.user.pk)})

    @extend_schema(request=None, responses=ReadOutput)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        row = services.notification_mark_read(user_id=request.user.pk, notification_id=int(pk))
        return ok({"id": row.pk, "read_at": ReadOutput().fields["read_at"].to_representation(row.read_at)})

    @extend_schema(request=SubscriptionsInput, responses=SubscriptionsOutput)
    @action(detail=False, methods=["post"])
    def subscriptions(self, request):
        payload = SubscriptionsInput(data=request.data)
        payload.is_valid(raise_exception=True)
        granted = services.subscription_grant(user_id=request.user.pk, template_ids=payload.validated_data["accepted"])
        return ok({"granted": granted})
