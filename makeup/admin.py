from django.contrib import admin
from import_export.admin import ExportMixin
from import_export.forms import ExportForm

from core.admin_actions import number
from courses.models import Booking
from makeup import messages
from makeup.exports import MakeupResource
from makeup.models import MakeupBooking


@admin.register(MakeupBooking)
class MakeupBookingAdmin(ExportMixin, admin.ModelAdmin):
    resource_classes = [MakeupResource]
    export_form_class = ExportForm  # the operator picks the format; the list's filters apply
    list_display = [
        number,
        "profile",
        "origin",
        "original_course",
        "original_length",
        "status",
        "leave_time",
        "booking",
        "makeup_minutes",
        "duration_difference",
    ]
    list_filter = ["status"]
    list_select_related = [
        "profile__owner",
        "original_course",
        "original_booking__schedule__course",
        "booking__schedule__course",
    ]
    search_fields = ["profile__name", "original_course__name"]
    fields = readonly_fields = [
        "profile",
        "origin",
        "original_booking",
        "original_course",
        "original_length",
        "status",
        "leave_time",
        "booking",
        "makeup_minutes",
        "duration_difference",
        "completed_at",
        "created_at",
    ]

    @admin.display(description=messages.ORIGIN_COLUMN)
    def origin(self, makeup):
        """Why it is owed: a leave, the studio cancelling the class, or a redemption of minutes."""
        if makeup.original_booking_id is None:
            return messages.ORIGIN_REDEMPTION
        if makeup.original_booking.status == Booking.Status.ON_LEAVE:
            return messages.ORIGIN_LEAVE
        return messages.ORIGIN_CLASS_CANCELLED

    @admin.display(description=messages.LEAVE_TIME_COLUMN, ordering="leave_at")
    def leave_time(self, makeup):
        return makeup.leave_time

    @admin.display(description=messages.ORIGINAL_LENGTH_COLUMN, ordering="original_minutes")
    def original_length(self, makeup):
        return makeup.original_minutes if makeup.original_booking_id else None

    def has_add_permission(self, request):
        return False  # owed by leaves, booked by parents: through the services

    def has_delete_permission(self, request, obj=None):
        return False
