from django.apps import AppConfig


class MakeupConfig(AppConfig):
    name = "makeup"
    verbose_name = "补课"
