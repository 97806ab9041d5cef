from django.contrib import admin
from django.urls import path, reverse
from django.utils.html import format_html
from import_export.admin import ExportMixin
from import_export.forms import ExportForm

from accounts.admin import ProfileAdmin
from accounts.models import Profile
from compensation import messages
from compensation.admin_views import profile_ledger_view
from compensation.exports import CreditResource
from compensation.models import ClassCreditCompensation, CompensationUsage
from core.admin_actions import number


class ProfileWithLedgerAdmin(ProfileAdmin):
    """The profile screen with each child's ledger page (课时补偿明细与调整)."""

    list_display = [*ProfileAdmin.list_display, "ledger_link"]

    def get_urls(self):
        view = self.admin_site.admin_view(
            lambda request, profile_id: profile_ledger_view(request, profile_id, self.admin_site)
        )
        return [path("<int:profile_id>/compensation/", view, name="accounts_profile_compensation"), *super().get_urls()]

    @admin.display(description=messages.LEDGER_COLUMN)
    def ledger_link(self, profile):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:accounts_profile_compensation", args=[profile.pk]),
            messages.LEDGER_LINK,
        )


admin.site.unregister(Profile)
admin.site.register(Profile, ProfileWithLedgerAdmin)


class UsageInline(admin.TabularInline):
    model = CompensationUsage
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "minutes", "makeup", "created_at", "created_by", "reason"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ClassCreditCompensation)
class CreditAdmin(ExportMixin, admin.ModelAdmin):
    resource_classes = [CreditResource]
    export_form_class = ExportForm  # the operator picks the format; the list's filters apply
    """The ledger is read-only here: nothing is edited or deleted (adjustments go through the service)."""

    list_display = [number, "profile", "minutes", "remaining", "expires_at", "source", "status", "created_by", "reason"]
    list_filter = ["status", "source"]
    list_select_related = ["profile", "created_by"]
    search_fields = ["profile__name"]
    readonly_fields = [f.name for f in ClassCreditCompensation._meta.fields if f.name != "id"]
    inlines = [UsageInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
