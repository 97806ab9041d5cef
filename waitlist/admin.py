"""Operators' waitlist screens: every queue in position order, offers and flows, and the actions
(move to the front, remove, manual send) through the waitlist services, logged with a reason."""

from django.contrib import admin
from django.utils import timezone
from import_export.admin import ExportMixin
from import_export.forms import ExportForm

from core.admin_actions import ForbidForgedActionsMixin, number, reason_action
from waitlist import messages, selectors, services
from waitlist.exports import WaitlistResource
from waitlist.models import WaitlistEntry, WaitlistFlow, WaitlistNotification, WaitlistOffer


class OverdueFilter(admin.SimpleListFilter):
    """Rows the sweeper or the cutoff closer should have closed by now (RULES §5.1, §5.2): where the
    dashboard's 需要处理 panel leads when either runs late."""

    title = messages.OVERDUE_FILTER
    parameter_name = "overdue"
    label = ""
    due = None  # the selector of the rows past their closing time

    def lookups(self, request, model_admin):
        return [("yes", self.label)]

    def queryset(self, request, queryset):
        if self.value() != "yes":
            return queryset
        return queryset.filter(pk__in=type(self).due(now=timezone.now()).values("pk"))


class OverdueOfferFilter(OverdueFilter):
    label = messages.OFFER_OVERDUE
    due = selectors.waitlist_offers_due


class OverdueEntryFilter(OverdueFilter):
    label = messages.ENTRY_OVERDUE
    due = selectors.waitlist_entries_to_close


def _prioritize(modeladmin, request, entry, reason) -> str:
    services.waitlist_entry_prioritize(entry_id=entry.pk, reason=reason, by=request.user)
    return messages.PRIORITIZED.format(name=entry.profile.name, schedule=entry.schedule)


def _remove(modeladmin, request, entry, reason) -> str:
    services.waitlist_entry_remove(entry_id=entry.pk, reason=reason, by=request.user)
    return messages.REMOVED.format(name=entry.profile.name, schedule=entry.schedule)


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(ForbidForgedActionsMixin, ExportMixin, admin.ModelAdmin):
    resource_classes = [WaitlistResource]
    export_form_class = ExportForm  # the operator picks the format; the list's filters apply
    list_display = [
        number,
        "schedule",
        "profile",
        "status",
        "position",
        "auto_accept",
        "priority",
        "priority_reason",
        "joined_at",
        "makeup",
        "ended_at",
        "end_reason_column",
        "ended_by",
    ]
    list_filter = [OverdueEntryFilter, "status", "auto_accept", ("joined_at", admin.DateFieldListFilter)]
    list_select_related = ["schedule__course", "profile__owner", "ended_by"]  # the export reads the parent
    search_fields = ["profile__name", "schedule__course__name"]
    raw_id_fields = ["schedule", "profile", "makeup"]
    readonly_fields = [f.name for f in WaitlistEntry._meta.fields if f.name not in ("id", "active")]
    ordering = ["schedule", "-priority", "joined_at", "id"]
    actions = [
        reason_action(messages.PRIORITIZE_ACTION, _prioritize),
        reason_action(messages.REMOVE_ACTION, _remove, confirm=messages.REMOVE_CONFIRM),
    ]

    def get_queryset(self, request):
        return selectors.waitlist_entries_with_positions(queryset=super().get_queryset(request))

    @admin.display(description=messages.POSITION_COLUMN)
    def position(self, entry):
        return entry.ahead + 1 if entry.status == WaitlistEntry.Status.WAITING else "—"

    @admin.display(description=messages.EXPORT_END_REASON, ordering="end_reason")
    def end_reason_column(self, entry):
        return entry.end_reason_text

    def has_add_permission(self, request):
        return False  # parents join through the API (its checks and locks)

    def has_delete_permission(self, request, obj=None):
        return False


class FlowInline(admin.TabularInline):
    model = WaitlistFlow
    extra = 0
    can_delete = False
    fields = readonly_fields = ["entry", "round", "started_at", "status", "completed_at"]

    def has_add_permission(self, request, obj=None):
        return False


class NotificationInline(admin.TabularInline):
    model = WaitlistNotification
    extra = 0
    can_delete = False
    fields = readonly_fields = ["entry", "kind", "status", "response_deadline", "created_at", "notification"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WaitlistOffer)
class WaitlistOfferAdmin(admin.ModelAdmin):
    list_display = [
        number,
        "schedule",
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
    list_filter = [OverdueOfferFilter, "status", "phase", "reason"]
    list_select_related = ["schedule__course", "reserved_for__profile", "claimed_by__profile"]
    readonly_fields = [f.name for f in WaitlistOffer._meta.fields if f.name != "id"]
    inlines = [FlowInline, NotificationInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
