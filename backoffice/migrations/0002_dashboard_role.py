"""运营主管 reads the dashboard (RULES §11.7); 前台 does not."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant_dashboard(apps, schema_editor):
    courses = apps.get_app_config("courses")
    courses.models_module = True
    create_permissions(courses, apps=apps, verbosity=0)
    courses.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission = apps.get_model("auth", "Permission").objects.get(
        content_type__app_label="courses", codename="view_dashboard"
    )
    group_model.objects.get_or_create(name="运营主管")[0].permissions.add(permission)
    group_model.objects.get_or_create(name="前台")[0].permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0001_roles"),
        ("courses", "0005_dashboard_permission"),
    ]

    operations = [migrations.RunPython(grant_dashboard, migrations.RunPython.noop)]
