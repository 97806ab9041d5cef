"""The studio's admin site: Django's, with the studio's name and 今日课程 on its first page."""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils import timezone

from backoffice import messages


class StudioAdminSite(admin.AdminSite):
    site_header = messages.SITE_HEADER.format(studio=settings.STUDIO_NAME)
    site_title = messages.SITE_TITLE.format(studio=settings.STUDIO_NAME)
    index_title = messages.INDEX_TITLE

    def index(self, request, extra_context=None):
        from backoffice.today import classes_today  # models are ready only once the site serves pages

        now = timezone.now()
        extra = {
            "today": classes_today(now=now),
            "today_date": timezone.localdate(now),
            "can_see_dashboard": request.user.has_perm("courses.view_dashboard"),
            **(extra_context or {}),
        }
        return super().index(request, extra)


class StudioAdminConfig(AdminConfig):
    """Installed instead of django.contrib.admin (INSTALLED_APPS): `admin.site` is the studio's site."""

    default_site = "backoffice.admin_site.StudioAdminSite"
