from django.contrib import admin
from django.db.models import Count, Q

from courses import services
from courses.models import Booking, Course, CourseSchedule, CourseType


@admin.register(CourseType)
class CourseTypeAdmin(admin.ModelAdmin):
    list_display = ["id", "code", "name", "waitlist_capacity"]
    list_editable = ["waitlist_capacity"]
    search_fields = ["code", "name"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "course_type", "level", "duration_minutes", "price"]
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


@admin.register(CourseSchedule)
class CourseScheduleAdmin(admin.ModelAdmin):
    list_display = ["id", "course", "starts_at", "ends_at", "coach", "venue", "capacity", "booked", "waitlist_capacity", "status"]
    list_editable = ["capacity", "waitlist_capacity"]
    list_filter = ["status", "course__course_type", "course__level", "venue", "coach", ("starts_at", admin.DateFieldListFilter)]
    list_select_related = ["course"]
    search_fields = ["course__name", "coach", "venue"]
    date_hierarchy = "starts_at"
    ordering = ["starts_at"]
    inlines = [BookingInline]
    # Cancelling a class notifies families and owes make-ups (RULES §6.7): never a bare status edit.
    readonly_fields = ["status"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            booked_total=Count("bookings", filter=Q(bookings__status=Booking.Status.BOOKED))
        )

    @admin.display(description="已预约", ordering="booked_total")
    def booked(self, schedule):
        return schedule.booked_total

    def save_model(self, request, obj, form, change):
        # Seats go through the service: raising capacity offers the new seats to the waitlist.
        new_capacity = obj.capacity
        capacity_changed = change and "capacity" in form.changed_data
        if capacity_changed:
            obj.capacity = form.initial["capacity"]
        super().save_model(request, obj, form, change)
        if capacity_changed:
            services.schedule_set_capacity(schedule_id=obj.pk, capacity=new_capacity)
            obj.refresh_from_db()


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["id", "profile", "schedule", "kind", "status", "booked_at", "cancelled_at", "leave_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["profile", "schedule__course"]
    search_fields = ["profile__name", "schedule__course__name"]
    raw_id_fields = ["profile", "schedule"]
    readonly_fields = ["profile", "schedule", "kind", "status", "booked_at", "cancelled_at", "leave_at", "leave_reason"]

    def has_add_permission(self, request):
        return False  # seats are granted by the booking service, with its locks and checks

    def has_delete_permission(self, request, obj=None):
        return False
