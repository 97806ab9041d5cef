"""Mini-program API of the compensation ledger: balance and history."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action

from accounts.selectors import profile_of_owner_or_only
from compensation import messages, selectors, services
from core.api import ok
from core.fields import IdField


class ProfileQuery(serializers.Serializer):
    profile_id = IdField(required=False, help_text="optional when the parent has exactly one child")


def _profile(request):
    """The child asked for; a parent with exactly one child may leave profile_id out. With several
    (or none) a missing one is the same 400 as a missing required field."""
    query = ProfileQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    profile = profile_of_owner_or_only(user=request.user, profile_id=query.validated_data.get("profile_id"))
    if profile is None:
        raise serializers.ValidationError({"profile_id": [serializers.Field.default_error_messages["required"]]})
    return profile


class ExpiringOutput(serializers.Serializer):
    credit_id = serializers.IntegerField(source="pk")
    remaining = serializers.IntegerField()
    expires_at = serializers.DateTimeField()


class BalanceOutput(serializers.Serializer):
    balance_minutes = serializers.IntegerField()
    expiring_soon = ExpiringOutput(many=True)
    has_compensation = serializers.BooleanField()
    prompt = serializers.CharField(allow_null=True)


class HistoryOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["credit", "use", "restore", "expire", "revoke", "adjustment"])
    minutes = serializers.IntegerField()
    balance_after = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    makeup_booking_id = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_null=True)


@extend_schema(tags=["compensation"])
class CompensationViewSet(viewsets.GenericViewSet):
    serializer_class = HistoryOutput

    @extend_schema(parameters=[ProfileQuery], responses=BalanceOutput)
    @action(detail=False, methods=["get"])
    def balance(self, request):
        profile = _profile(request)
        now = timezone.now()
        services.compensation_expire_due(profile_id=profile.pk, now=now)  # RULES §7: a read expires what is due
        balance = selectors.compensation_balance(profile_id=profile.pk, now=now)
        return ok(
            BalanceOutput(
                {
                    "balance_minutes": balance,
                    "expiring_soon": selectors.compensation_expiring_soon(profile_id=profile.pk, now=now),
                    "has_compensation": balance > 0,
                    "prompt": messages.PROMPT if balance > 0 else None,
                }
            ).data
        )

    @extend_schema(parameters=[ProfileQuery], responses=HistoryOutput(many=True))
    @action(detail=False, methods=["get"])
    def history(self, request):
        profile = _profile(request)
        services.compensation_expire_due(profile_id=profile.pk, now=timezone.now())
        page = self.paginate_queryset(selectors.compensation_history(profile_id=profile.pk))
        return self.get_paginated_response(HistoryOutput(page, many=True).data)
