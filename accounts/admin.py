from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.urls import path, reverse
from django.utils.html import format_html

from accounts.models import Profile, User


class ProfileInline(admin.TabularInline):
    model = Profile
    extra = 0
    fields = ["name", "level", "birth_date"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["id", "username", "nickname", "phone", "wechat_openid", "is_staff", "date_joined"]
    search_fields = ["username", "nickname", "phone", "wechat_openid"]
    list_filter = ["is_staff", "is_active"]
    fieldsets = BaseUserAdmin.fieldsets + (("微信", {"fields": ["wechat_openid", "wechat_unionid", "nickname", "phone"]}),)
    inlines = [ProfileInline]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "level", "birth_date", "owner", "created_at", "ledger_link"]
    list_editable = ["level"]
    list_select_related = ["owner"]
    search_fields = ["name", "owner__nickname", "owner__phone"]
    list_filter = ["level"]
    raw_id_fields = ["owner"]

    def get_urls(self):
        from compensation.admin_views import profile_ledger_view

        view = self.admin_site.admin_view(lambda request, profile_id: profile_ledger_view(request, profile_id, self.admin_site))
        return [path("<int:profile_id>/compensation/", view, name="accounts_profile_compensation"), *super().get_urls()]

    @admin.display(description="课时补偿")
    def ledger_link(self, profile):
        return format_html('<a href="{}">明细与调整</a>', reverse("admin:accounts_profile_compensation", args=[profile.pk]))
