from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts import messages
from accounts.models import Profile, User
from core.admin_actions import number


class ProfileInline(admin.TabularInline):
    model = Profile
    extra = 0
    fields = ["name", "level", "birth_date"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = [number, "username", "nickname", "phone", "wechat_openid", "is_staff", "date_joined"]
    search_fields = ["username", "nickname", "phone", "wechat_openid"]
    list_filter = ["is_staff", "is_active"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (messages.WECHAT_FIELDSET, {"fields": ["wechat_openid", "wechat_unionid", "nickname", "phone"]}),
    )
    inlines = [ProfileInline]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    """Children's profiles. Apps above add their pages by subclassing and registering again (the
    compensation ledger: compensation/admin.py), so accounts never imports them."""

    list_display = [number, "name", "level", "birth_date", "owner", "created_at"]
    list_editable = ["level"]
    list_select_related = ["owner"]
    search_fields = ["name", "owner__nickname", "owner__phone"]
    list_filter = ["level"]
    ordering = ["name", "id"]  # the autocomplete pages through children by name
    raw_id_fields = ["owner"]
