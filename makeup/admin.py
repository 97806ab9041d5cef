from django.contrib import admin

from makeup.models import MakeupBooking


@admin.register(MakeupBooking)
class MakeupBookingAdmin(admin.ModelAdmin):
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
