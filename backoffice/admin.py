"""The class screens of the back office: a class with its seats, its waitlist and open offers, and
the operators' actions on it (cancel the class, send the waitlist a freed seat, change the seats).
They read and call several apps, so they live above them (courses/admin.py keeps the plain
course, course-type and booking screens)."""

from django.contrib import admin, messages
from django.db.models import F
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.models import Profile
from backoffice import messages as backoffice_messages
from backoffice.class_change import PERMISSION as CHANGE_PERMISSION
from backoffice.class_change import GuardedScheduleForm, class_change_view
from backoffice.family_desk import PERMISSION as DESK_PERMISSION
from backoffice.family_desk import class_family_view, family_desk_view
from compensation.admin import ProfileWithLedgerAdmin
from core.admin_actions import ForbidForgedActionsMixin, reason_action
from courses.admin import BookingInline
from courses.models import CourseSchedule
from flows import studio
from waitlist import messages as waitlist_messages
from waitlist import selectors as waitlist_selectors
from waitlist import services as waitlist_services
from waitlist.models import WaitlistEntry, WaitlistOffer


class FamilyBookingInline(BookingInline):
    """The class's seats, each with a way to its child's family desk (leave, cancel, make-up)."""

    fields = readonly_fields = [*BookingInline.fields, "desk"]

    def get_fields(self, request, obj=None):
        shown = super().get_fields(request, obj)
        return shown if request.user.has_perm(DESK_PERMISSION) else [f for f in shown if f != "desk"]

    @admin.display(description=backoffice_messages.DESK_COLUMN)
    def desk(self, booking):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:accounts_profile_desk", args=[booking.profile_id]),
            backoffice_messages.DESK_LINK,
        )


class QueueInline(admin.TabularInline):
    """The class's waitlist in position order (waiting first), read-only: actions live on 候补记录."""

    model = WaitlistEntry
    extra = 0
    can_delete = False
    verbose_name_plural = backoffice_messages.QUEUE_INLINE
    fields = readonly_fields = [
        "position",
        "profile",
        "status",
        "auto_accept",
        "priority",
        "priority_reason",
        "joined_at",
        "makeup",
        "end_reason_text",
    ]
    show_change_link = True

    def get_queryset(self, request):
        return (
            waitlist_selectors.waitlist_entries_with_positions(queryset=super().get_queryset(request))
            .select_related("profile")
            .order_by(F("active").desc(nulls_last=True), "-priority", "joined_at", "id")
        )

    @admin.display(description=backoffice_messages.QUEUE_POSITION_COLUMN)
    def position(self, entry):
        return entry.ahead + 1 if entry.status == WaitlistEntry.Status.WAITING else "—"

    @admin.display(description=waitlist_messages.EXPORT_END_REASON)
    def end_reason_text(self, entry):
        return entry.end_reason_text

    def has_add_permission(self, request, obj=None):
        return False


class OfferInline(admin.TabularInline):
    model = WaitlistOffer
    extra = 0
    can_delete = False
    verbose_name_plural = backoffice_messages.OFFERS_INLINE
    fields = readonly_fields = [
        "reason",
        "phase",
        "status",
        "round",
        "released_at",
        "deadline",
        "reserved_for",
        "claimed_by",
        "closed_at",
    ]
    show_change_link = True
    ordering = ["-released_at"]

    def has_add_permission(self, request, obj=None):
        return False


class QueueFullFilter(admin.SimpleListFilter):
    title = backoffice_messages.QUEUE_FILTER
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("full", backoffice_messages.QUEUE_FULL), ("waiting", backoffice_messages.QUEUE_WAITING)]

    def queryset(self, request, queryset):
        if self.value() == "full":
            return queryset.filter(waitlist_count__gte=F("effective_waitlist_capacity"), waitlist_count__gt=0)
        if self.value() == "waiting":
            return queryset.filter(waitlist_count__gt=0)
        return queryset


def _cancel_class(modeladmin, request, schedule, reason) -> str:
    result = studio.schedule_cancel_by_studio(schedule_id=schedule.pk, reason=reason, by=request.user)
    return backoffice_messages.CLASS_CANCELLED.format(
        schedule=schedule,
        bookings=result.bookings_cancelled,
        makeups=result.makeups_owed,
        closed=result.waiting_closed,
    )


def _manual_send(modeladmin, request, schedule, reason) -> str:
    result = waitlist_services.waitlist_notify(schedule_id=schedule.pk)
    return backoffice_messages.MANUAL_SENT.format(
        schedule=schedule, offers=result.offers_opened, notified=result.notified
    )


@admin.register(CourseSchedule)
class CourseScheduleAdmin(ForbidForgedActionsMixin, admin.ModelAdmin):
    # The front desk's key columns first, narrow enough for 1366 px without scrolling (issue 14).
    list_display = [
        "course_name",
        "time_range",
        "coach_and_venue",
        "booked",
        "available_seats",
        "waiting",
        "status",
        "capacity",
        "waitlist_capacity",
        "effective_capacity",
    ]
    list_display_links = ["course_name"]

    class Media:
        css = {"all": ["backoffice/admin.css"]}

    list_editable = ["capacity", "waitlist_capacity"]
    list_filter = [
        QueueFullFilter,
        "status",
        "course__course_type",
        "course__level",
        "venue",
        "coach",
        ("starts_at", admin.DateFieldListFilter),
    ]
    list_select_related = ["course__course_type"]
    search_fields = ["course__name", "coach", "venue"]
    date_hierarchy = "starts_at"
    ordering = ["starts_at"]
    inlines = [FamilyBookingInline, QueueInline, OfferInline]
    form = GuardedScheduleForm  # a class families hold is moved by 调整课程, never silently (RULES §11.6)
    # Cancelling a class notifies families and owes make-ups (RULES §6.7): the action, never a bare status edit.
    readonly_fields = ["status"]
    actions = [
        reason_action(
            backoffice_messages.CANCEL_CLASS_ACTION, _cancel_class, confirm=backoffice_messages.CANCEL_CLASS_CONFIRM
        ),
        reason_action(
            backoffice_messages.MANUAL_SEND_ACTION, _manual_send, confirm=backoffice_messages.MANUAL_SEND_CONFIRM
        ),
    ]

    def get_urls(self):
        view = self.admin_site.admin_view(
            lambda request, schedule_id: class_change_view(request, schedule_id, self.admin_site)
        )
        family = self.admin_site.admin_view(
            lambda request, schedule_id: class_family_view(request, schedule_id, self.admin_site)
        )
        return [
            path("<int:schedule_id>/adjust/", view, name="courses_courseschedule_adjust"),
            path("<int:schedule_id>/family/", family, name="courses_courseschedule_family"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {
            **(extra_context or {}),
            "can_adjust": request.user.has_perm(CHANGE_PERMISSION),
            "can_act_for_family": request.user.has_perm(DESK_PERMISSION),
            "alternatives": _alternatives_of_full_class(object_id),
        }
        return super().change_view(request, object_id, form_url, extra)

    def get_queryset(self, request):
        # Seats and the waitlist in SQL: one query for the whole page.
        return waitlist_selectors.schedules_with_details(queryset=super().get_queryset(request), profile=None)

    @admin.display(description=backoffice_messages.COURSE_COLUMN, ordering="course__name")
    def course_name(self, schedule):
        return schedule.course.name

    @admin.display(description=backoffice_messages.TIME_COLUMN, ordering="starts_at")
    def time_range(self, schedule):
        starts, ends = timezone.localtime(schedule.starts_at), timezone.localtime(schedule.ends_at)
        return backoffice_messages.TIME_RANGE.format(starts=starts, ends=ends)

    @admin.display(description=backoffice_messages.COACH_VENUE_COLUMN)
    def coach_and_venue(self, schedule):
        return backoffice_messages.COACH_VENUE.format(coach=schedule.coach or "—", venue=schedule.venue or "—")

    @admin.display(description=backoffice_messages.BOOKED_COLUMN, ordering="booked_count")
    def booked(self, schedule):
        return schedule.booked_count

    @admin.display(description=backoffice_messages.AVAILABLE_COLUMN, ordering="available")
    def available_seats(self, schedule):
        return max(schedule.available, 0)

    @admin.display(description=backoffice_messages.EFFECTIVE_CAPACITY_COLUMN)
    def effective_capacity(self, schedule):
        return schedule.effective_waitlist_capacity

    @admin.display(description=backoffice_messages.WAITING_COLUMN, ordering="waitlist_count")
    def waiting(self, schedule):
        return schedule.waitlist_count

    def save_model(self, request, obj, form, change):
        # Seats go through the service: raising capacity offers the new seats to the waitlist.
        new_capacity = obj.capacity
        capacity_changed = change and "capacity" in form.changed_data
        if capacity_changed:
            obj.capacity = form.initial["capacity"]
        super().save_model(request, obj, form, change)
        if capacity_changed:
            old, now = form.initial["capacity"], timezone.now()
            studio.schedule_set_capacity(schedule_id=obj.pk, capacity=new_capacity, now=now)
            obj.refresh_from_db()
            self.message_user(request, _capacity_text(obj, old, new_capacity, now), messages.SUCCESS)


def _alternatives_of_full_class(object_id) -> list[dict] | None:
    """RULES §15 for the front desk on the phone: the other classes a parent could book instead of a
    full one, each linking to its own page. No child here, so the child-overlap rule is not applied
    (the page says so; booking checks it). None when the class is not full (or does not exist)."""
    if not str(object_id).isdigit():
        return None
    schedule = waitlist_selectors.schedules_with_details(
        queryset=CourseSchedule.objects.filter(pk=int(object_id)), profile=None
    ).first()
    if schedule is None or schedule.available > 0:
        return None
    rows = []
    for other in waitlist_selectors.schedule_alternatives(schedule=schedule, profile=None, now=timezone.now()):
        starts, ends = timezone.localtime(other.starts_at), timezone.localtime(other.ends_at)
        rows.append(
            {
                "url": reverse("admin:courses_courseschedule_change", args=[other.pk]),
                "course": other.course.name,
                "time": backoffice_messages.TIME_RANGE.format(starts=starts, ends=ends),
                "coach_and_venue": backoffice_messages.COACH_VENUE.format(
                    coach=other.coach or "—", venue=other.venue or "—"
                ),
                "match": waitlist_selectors.schedule_alternative_match(schedule=other, full=schedule)["text"],
                "available": max(other.available, 0),
            }
        )
    return rows


def _capacity_text(schedule, old: int, new: int, now) -> str:
    """座位数 4 → 5：名额已发给2位候补 — what the change did, in words (issue 14)."""
    text = backoffice_messages.CAPACITY_CHANGED.format(schedule=schedule, old=old, new=new)
    if new < old:
        return text + backoffice_messages.CAPACITY_LOWERED
    offers, told = waitlist_selectors.waitlist_released_at(schedule_id=schedule.pk, at=now)
    if offers:
        return text + backoffice_messages.CAPACITY_OFFERED.format(told=told)
    return text + backoffice_messages.CAPACITY_NOBODY_WAITING


class FamilyProfileAdmin(ProfileWithLedgerAdmin):
    """The child's screen with the family desk (RULES §11.1-11.5), for operators allowed to act for
    families; the ledger page comes from compensation."""

    list_display = [*ProfileWithLedgerAdmin.list_display, "desk_link"]

    def get_urls(self):
        view = self.admin_site.admin_view(
            lambda request, profile_id: family_desk_view(request, profile_id, self.admin_site)
        )
        return [path("<int:profile_id>/desk/", view, name="accounts_profile_desk"), *super().get_urls()]

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        return shown if request.user.has_perm(DESK_PERMISSION) else [f for f in shown if f != "desk_link"]

    @admin.display(description=backoffice_messages.DESK_COLUMN)
    def desk_link(self, profile):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:accounts_profile_desk", args=[profile.pk]),
            backoffice_messages.DESK_LINK,
        )


admin.site.unregister(Profile)
admin.site.register(Profile, FamilyProfileAdmin)
