from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = "运营后台"

    def ready(self):
        from django.conf import settings
        from django.contrib import admin

        from backoffice import messages

        # The admin reads as the studio's back office, not "Django 站点管理".
        admin.site.site_header = messages.SITE_HEADER.format(studio=settings.STUDIO_NAME)
        admin.site.site_title = messages.SITE_TITLE.format(studio=settings.STUDIO_NAME)
        admin.site.index_title = messages.INDEX_TITLE
