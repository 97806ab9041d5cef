from django.contrib import admin
from import_export.admin import ExportMixin
from import_export.forms import ExportForm

from makeup.exports import MakeupResource
from makeup.models import MakeupBooking


@admin.register(MakeupBooking)
class MakeupBookingAdmin(ExportMixin, admin.ModelAdmin):
    resource_classes = [MakeupResource]
    export_form_class = ExportForm  # the operator picks the format; the list's filters apply
    list_display = [
        "id",
        "profile",
        "original_course",
        "original_minutes",
        "status",
        "leave_at",
        "booking",
        "makeup_minutes",
        "duration_difference",
    ]
    list_filter = ["status"]
    list_select_related = ["profile", "original_course", "booking"]
    search_fields = ["profile__name", "original_course__name"]
    readonly_fields = [f.name for f in MakeupBooking._meta.fields]

    def has_add_permission(self, request):
        return False  # owed by leaves, booked by parents: through the services

    def has_delete_permission(self, request, obj=None):
        return False
