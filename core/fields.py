"""Serializer fields shared by every app's API."""

from rest_framework import serializers

MAX_ID = 2**53  # ids beyond this are absurd input, refused with 400 before any query


def IdField(**kwargs) -> serializers.IntegerField:  # noqa: N802 - reads like a field class
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)
