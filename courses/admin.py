from django.contrib import admin, messages
from import_export.admin import ExportMixin
from import_export.forms import ExportForm

from core.admin_actions import ForbidForgedActionsMixin, number
from courses import messages as course_messages
from courses import services
from courses.exports import RosterResource
from courses.models import Booking, Course, CourseType


@admin.register(CourseType)
class CourseTypeAdmin(admin.ModelAdmin):
    list_display = [number, "code", "name", "waitlist_capacity"]
    list_editable = ["waitlist_capacity"]
    search_fields = ["code", "name"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = [number, "name", "course_type", "level", "duration_minutes", "price"]
    list_filter = ["course_type", "level"]
    list_select_related = ["course_type"]
    search_fields = ["name"]


class BookingInline(admin.TabularInline):
    model = Booking
    extra = 0
    fields = ["profile", "kind", "status", "booked_at", "cancelled_at", "leave_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False  # seats are granted by the booking service, with its locks and checks


@admin.register(Booking)
class BookingAdmin(ForbidForgedActionsMixin, ExportMixin, admin.ModelAdmin):
    resource_classes = [RosterResource]  # a class's roster: filter by the class, then 导出
    export_form_class = ExportForm  # the operator picks the format; the list's filters apply
    list_display = [number, "profile", "schedule", "kind", "status", "booked_at", "cancelled_at", "leave_at"]
    list_filter = ["status", "kind", ("schedule__starts_at", admin.DateFieldListFilter)]
    list_select_related = ["profile__owner", "schedule__course"]  # the roster export reads the parent too
    search_fields = ["profile__name", "schedule__course__name"]
    raw_id_fields = ["profile", "schedule"]
    readonly_fields = ["profile", "schedule", "kind", "status", "booked_at", "cancelled_at", "leave_at", "leave_reason"]
    actions = ["mark_attended", "mark_absent"]

    def has_add_permission(self, request):
        return False  # seats are granted by the booking service, with its locks and checks

    def has_delete_permission(self, request, obj=None):
        return False

    def _mark(self, request, queryset, status, label):
        ids = list(queryset.values_list("pk", flat=True))
        count = services.booking_mark_attendance(booking_ids=ids, status=status)
        for booking in Booking.objects.filter(pk__in=ids, status=status):
            self.log_change(request, booking, label)
        self.message_user(request, course_messages.MARKED.format(label=label, count=count), messages.SUCCESS)

    @admin.action(description=course_messages.MARK_ATTENDED, permissions=["change"])
    def mark_attended(self, request, queryset):
        self._mark(request, queryset, Booking.Status.ATTENDED, course_messages.MARK_ATTENDED)

    @admin.action(description=course_messages.MARK_ABSENT, permissions=["change"])
    def mark_absent(self, request, queryset):
        self._mark(request, queryset, Booking.Status.ABSENT, course_messages.MARK_ABSENT)
