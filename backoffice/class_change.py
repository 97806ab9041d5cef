"""调整课程 (RULES §11.6) in the admin: the class page's form that moves a class or changes its coach
or venue with a reason, through `flows.studio.schedule_change`; and the guard that keeps the plain
edit form from moving a class that families hold seats or wait in."""

from django import forms
from django.contrib import messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from backoffice import messages as backoffice_messages
from core import messages as core_messages
from core.errors import BusinessError
from courses import messages as course_messages
from courses import services as course_services
from courses.models import CourseSchedule
from flows import studio
from waitlist import selectors as waitlist_selectors

PERMISSION = "courses.change_courseschedule"
GUARDED_FIELDS = ("starts_at", "ends_at", "course")


class GuardedScheduleForm(forms.ModelForm):
    """The plain edit form: a class with booked seats, waiting entries or open offers keeps its time
    and course here (RULES §11.6); `调整课程` changes them and tells the families."""

    class Meta:
        model = CourseSchedule
        fields = "__all__"  # noqa: DJ007 - the admin's fieldsets decide what is shown

    def clean(self):
        cleaned = super().clean()
        moved = [name for name in GUARDED_FIELDS if name in self.changed_data]
        if self.instance.pk and moved and waitlist_selectors.schedule_has_families(schedule=self.instance):
            raise forms.ValidationError(course_messages.USE_ADJUST_ACTION)
        return cleaned


class ChangeForm(forms.Form):
    starts_at = forms.SplitDateTimeField(label=backoffice_messages.STARTS_AT_LABEL, widget=AdminSplitDateTime)
    ends_at = forms.SplitDateTimeField(label=backoffice_messages.ENDS_AT_LABEL, widget=AdminSplitDateTime)
    coach = forms.CharField(label=backoffice_messages.COACH_LABEL, max_length=64, required=False)
    venue = forms.CharField(label=backoffice_messages.VENUE_LABEL, max_length=64, required=False)
    reason = forms.CharField(
        label=core_messages.REASON_LABEL,
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": core_messages.REASON_REQUIRED},
    )


def _done_text(result) -> str:
    text = backoffice_messages.ADJUST_DONE.format(
        course=result.schedule.course.name,
        old=result.old,
        new=course_services.schedule_description(schedule=result.schedule),
        told=result.families_told,
    )
    if result.clashes:
        text += backoffice_messages.ADJUST_CLASHES.format(names=backoffice_messages.NAME_SEPARATOR.join(result.clashes))
    if result.deadlines_changed:
        text += backoffice_messages.ADJUST_OFFERS.format(count=result.deadlines_changed)
    return text


def class_change_view(request, schedule_id: int, admin_site):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    schedule = get_object_or_404(CourseSchedule.objects.select_related("course"), pk=schedule_id)
    initial = {
        "starts_at": timezone.localtime(schedule.starts_at),
        "ends_at": timezone.localtime(schedule.ends_at),
        "coach": schedule.coach,
        "venue": schedule.venue,
    }
    form = ChangeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = studio.schedule_change(
                schedule_id=schedule.pk,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                coach=data["coach"],
                venue=data["venue"],
                reason=data["reason"],
                by=request.user,
            )
        except BusinessError as error:
            form.add_error(None, error.message)
        else:
            LogEntry.objects.log_actions(
                user_id=request.user.pk,
                queryset=[result.schedule],
                action_flag=CHANGE,
                change_message=core_messages.ACTION_LOGGED.format(
                    description=backoffice_messages.ADJUST_LINK, reason=data["reason"].strip()
                ),
                single_object=True,
            )
            messages.success(request, _done_text(result))
            return redirect(reverse("admin:courses_courseschedule_change", args=[schedule.pk]))
    return TemplateResponse(
        request,
        "admin/backoffice/class_change.html",
        {
            **admin_site.each_context(request),
            "title": backoffice_messages.ADJUST_TITLE.format(schedule=schedule),
            "schedule": schedule,
            "form": form,
            "opts": CourseSchedule._meta,
            "media": forms.Media(js=["admin/js/core.js"]) + form.media,
        },
    )
