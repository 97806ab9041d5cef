"""Serializer fields shared by every app's API."""

from rest_framework import serializers

from core import messages

MAX_ID = 2**53  # ids beyond this are absurd input, refused with 400 before any query


def IdField(**kwargs) -> serializers.IntegerField:  # noqa: N802 - reads like a field class
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class BoundedDateField(serializers.DateField):
    """A date a studio can mean (2000-2100): beyond that a clear 400, not an overflow deeper down."""

    default_error_messages = {"out_of_range": messages.DATE_OUT_OF_RANGE}

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not 2000 <= day.year <= 2100:
            self.fail("out_of_range")
        return day
