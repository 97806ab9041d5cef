from django.contrib import admin

from compensation.models import ClassCreditCompensation, CompensationUsage


class UsageInline(admin.TabularInline):
    model = CompensationUsage
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "minutes", "makeup", "created_at", "created_by", "reason"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ClassCreditCompensation)
class CreditAdmin(admin.ModelAdmin):
    """The ledger is read-only here: nothing is edited or deleted (adjustments go through the service)."""

    list_display = ["id", "profile", "minutes", "remaining", "expires_at", "source", "status", "created_by", "reason"]
    list_filter = ["status", "source"]
    list_select_related = ["profile", "created_by"]
    search_fields = ["profile__name"]
    readonly_fields = [f.name for f in ClassCreditCompensation._meta.fields]
    inlines = [UsageInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
