"""The two operator roles of RULES §11.7, created once by migrate (later changes: new migrations).

前台 (front desk): acts for families (leave, cancel, book, make-up, waitlist), marks attendance,
reads everything. 运营主管 (studio manager): all of that, plus seats and class changes, class
cancellation, the waitlist's move-to-front and removal, compensation adjustments and resends.
Periodic-task screens (django-celery-beat) are in neither: superusers only.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

APPS = ["accounts", "notifications", "courses", "compensation", "waitlist", "makeup"]
FRONT_DESK = "前台"
MANAGER = "运营主管"
FRONT_DESK_PERMISSIONS = [
    ("courses", "act_for_family"),
    ("courses", "change_booking"),  # attendance (标记出勤/缺勤)
]
MANAGER_PERMISSIONS = [
    ("courses", "change_courseschedule"),  # seats, cancel a class, manual send
    ("waitlist", "change_waitlistentry"),  # move to the front, remove
    ("compensation", "change_classcreditcompensation"),  # balance adjustments
    ("notifications", "change_notification"),  # resend
]


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():  # permissions exist only after post_migrate otherwise
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")

    def permission(app_label, codename):
        return permission_model.objects.get(content_type__app_label=app_label, codename=codename)

    views = list(
        permission_model.objects.filter(content_type__app_label__in=APPS, codename__startswith="view_").exclude(
            codename="view_dashboard"  # the manager's alone (0002)
        )
    )
    front = [permission(*key) for key in FRONT_DESK_PERMISSIONS]
    manager = [permission(*key) for key in MANAGER_PERMISSIONS]
    group_model.objects.get_or_create(name=FRONT_DESK)[0].permissions.add(*views, *front)
    group_model.objects.get_or_create(name=MANAGER)[0].permissions.add(*views, *front, *manager)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0001_initial"),
        ("notifications", "0001_initial"),
        ("courses", "0003_act_for_family_permission"),
        ("compensation", "0004_credit_created_at_given"),
        ("waitlist", "0003_entry_on_behalf"),
        ("makeup", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
