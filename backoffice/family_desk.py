"""The family desk (RULES §11.1-11.5): a child's page where the front desk acts for the family, by
phone or at the counter. Every form runs the service a parent's request runs (`flows`), with the
operator as `by` and the reason on the row, logs the action in the admin's history, and answers in
words what happened to whom.

Choosing is done from lists, never ids typed by hand: the child's own seats and make-ups, the
eligible sessions of a make-up (full ones left out), and any class by name search (autocomplete).
"""

from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone

from accounts.models import Profile
from backoffice import messages as desk_messages
from compensation.selectors import compensation_balance
from core import messages as core_messages
from core.errors import BusinessError
from core.formatting import local_time_text
from courses.models import Booking, CourseSchedule
from flows import booking as booking_flows
from flows import offers as offer_flows
from makeup import selectors as makeup_selectors
from makeup.models import MakeupBooking
from waitlist import selectors as waitlist_selectors
from waitlist.models import WaitlistEntry

PERMISSION = "courses.act_for_family"


def _reason_field() -> forms.CharField:
    return forms.CharField(
        label=core_messages.REASON_LABEL,
        max_length=200,
        widget=forms.TextInput(attrs={"size": 40}),
        error_messages={"required": core_messages.REASON_REQUIRED},
    )


class _SeatChoice(forms.ModelChoiceField):
    def label_from_instance(self, booking):
        return _class_text(booking.schedule)


class LeaveForm(forms.Form):
    booking = _SeatChoice(label=desk_messages.BOOKING_LABEL, queryset=Booking.objects.none())
    late = forms.BooleanField(label=desk_messages.LATE_LABEL, required=False)
    reason = _reason_field()


class CancelForm(forms.Form):
    booking = _SeatChoice(label=desk_messages.BOOKING_LABEL, queryset=Booking.objects.none())
    reason = _reason_field()


class ClassForm(forms.Form):
    """Book the child into a class, or put the child on its waitlist: any class, by name search."""

    schedule = forms.ModelChoiceField(
        label=desk_messages.SCHEDULE_LABEL,
        queryset=CourseSchedule.objects.all(),
        widget=AutocompleteSelect(Booking._meta.get_field("schedule"), admin.site),
    )
    reason = _reason_field()


class _MakeupChoice(forms.ModelChoiceField):
    def label_from_instance(self, makeup):
        if makeup.original_booking_id:
            return _class_text(makeup.original_booking.schedule)
        return str(makeup)


class _SessionChoice(forms.ModelChoiceField):
    def label_from_instance(self, schedule):
        return _class_text(schedule)


class MakeupForm(forms.Form):
    makeup = _MakeupChoice(label=desk_messages.MAKEUP_LABEL, queryset=MakeupBooking.objects.none())
    session = _SessionChoice(label=desk_messages.SESSION_LABEL, queryset=CourseSchedule.objects.none())
    confirm_shorter = forms.BooleanField(label=desk_messages.CONFIRM_SHORTER_LABEL, required=False)
    use_compensation = forms.BooleanField(label=desk_messages.USE_COMPENSATION_LABEL, required=False)
    reason = _reason_field()


def _class_text(schedule: CourseSchedule) -> str:
    return desk_messages.SCHEDULE_CHOICE.format(
        course=schedule.course.name,
        starts_at=local_time_text(schedule.starts_at),
        coach=schedule.coach,
        venue=schedule.venue,
    )


def _seat_text(schedule_id: int, now: datetime) -> str:
    offers, told = waitlist_selectors.waitlist_released_at(schedule_id=schedule_id, at=now)
    return desk_messages.SEAT_OFFERED.format(told=told) if offers else desk_messages.SEAT_OPEN


@dataclass
class Desk:
    """The child's page: what the family has now, and the forms bound to it."""

    profile: Profile
    now: datetime

    def active_seats(self):
        return (
            Booking.objects.filter(profile=self.profile, status=Booking.Status.BOOKED, schedule__starts_at__gt=self.now)
            .select_related("schedule__course")
            .order_by("schedule__starts_at")
        )

    def pending_makeups(self):
        return (
            MakeupBooking.objects.filter(profile=self.profile, status=MakeupBooking.Status.PENDING)
            .select_related("original_booking__schedule__course", "original_course")
            .order_by("id")
        )

    def sessions_for(self, makeup: MakeupBooking | None):
        """A make-up's eligible sessions with a free seat (RULES §6.2; full ones excluded)."""
        if makeup is None:
            return CourseSchedule.objects.none()
        ids, _ = makeup_selectors.makeup_eligible_schedule_ids(profile=self.profile, now=self.now, makeup=makeup)
        return CourseSchedule.objects.filter(pk__in=ids).select_related("course").order_by("starts_at")

    def waiting(self):
        return (
            WaitlistEntry.objects.filter(profile=self.profile, status=WaitlistEntry.Status.WAITING)
            .select_related("schedule__course")
            .order_by("joined_at")
        )

    def forms(self, data=None, which: str | None = None, makeup_id=None) -> dict:
        bound = lambda name: data if which == name else None  # noqa: E731 - one form is posted at a time
        leave, cancel = LeaveForm(bound("leave"), prefix="leave"), CancelForm(bound("cancel"), prefix="cancel")
        leave.fields["booking"].queryset = cancel.fields["booking"].queryset = self.active_seats()
        makeup_form = MakeupForm(bound("makeup"), prefix="makeup")
        makeup_form.fields["makeup"].queryset = self.pending_makeups()
        chosen = self.pending_makeups().filter(pk=makeup_id).first() if makeup_id else None
        makeup_form.fields["session"].queryset = self.sessions_for(chosen)
        return {
            "leave": leave,
            "cancel": cancel,
            "book": ClassForm(bound("book"), prefix="book"),
            "waitlist": ClassForm(bound("waitlist"), prefix="waitlist"),
            "makeup": makeup_form,
            "chosen_makeup": chosen,
        }

    def makeup_effect(self, makeup: MakeupBooking, session: CourseSchedule) -> dict:
        """What the operator reads before confirming (RULES §6.3, §11.4): the match, the prompt a
        parent would see for a shorter session, and what it does to the compensation balance."""
        difference = session.course.duration_minutes - makeup.original_minutes
        balance = compensation_balance(profile_id=self.profile.pk, now=self.now)
        if difference < 0:
            effect = desk_messages.MAKEUP_EFFECT_SHORTER.format(minutes=-difference)
            prompt = makeup_selectors.makeup_confirm_prompt(
                session_minutes=session.course.duration_minutes, original_minutes=makeup.original_minutes
            )
        elif difference > 0:
            effect = desk_messages.MAKEUP_EFFECT_LONGER.format(minutes=difference, balance=balance)
            prompt = None
        else:
            effect, prompt = desk_messages.MAKEUP_EFFECT_SAME, None
        match = makeup_selectors.makeup_match(schedule=session, makeup=makeup, profile=self.profile)
        return {"match": match["text"], "confirm_prompt": prompt, "effect": effect}


def _log(request, obj, action: str, reason: str) -> None:
    LogEntry.objects.log_actions(
        user_id=request.user.pk,
        queryset=[obj],
        action_flag=CHANGE,
        change_message=core_messages.ACTION_LOGGED.format(description=action, reason=reason),
        single_object=True,
    )


def _perform(request, desk: Desk, which: str, data: dict) -> str:
    """Runs the action through its flow with the form's cleaned data; returns the message in words."""
    profile, now = desk.profile, desk.now
    reason, by = data["reason"].strip(), request.user
    if which == "leave":
        seat = data["booking"]
        result = booking_flows.booking_leave(booking_id=seat.pk, reason=reason, now=now, by=by, late=data["late"])
        text = desk_messages.MAKEUP_SEAT_LEAVE_DONE if result.makeup_id is None else desk_messages.LEAVE_DONE
        if result.makeup_id is not None and data["late"]:
            text = desk_messages.LEAVE_LATE_DONE
        _log(request, seat, desk_messages.ACTION_NAMES["leave"], reason)
        return text.format(name=profile.name, seat=_seat_text(seat.schedule_id, now))
    if which == "cancel":
        seat = data["booking"]
        booking_flows.booking_cancel(booking_id=seat.pk, now=now, by=by, reason=reason)
        _log(request, seat, desk_messages.ACTION_NAMES["cancel"], reason)
        return desk_messages.CANCEL_DONE.format(
            name=profile.name,
            course=seat.schedule.course.name,
            starts_at=local_time_text(seat.schedule.starts_at),
            seat=_seat_text(seat.schedule_id, now),
        )
    if which == "book":
        schedule = data["schedule"]
        seat = booking_flows.booking_create(profile=profile, schedule_id=schedule.pk, now=now, by=by, reason=reason)
        _log(request, seat, desk_messages.ACTION_NAMES["book"], reason)
        return desk_messages.BOOK_DONE.format(
            name=profile.name, course=schedule.course.name, starts_at=local_time_text(schedule.starts_at)
        )
    if which == "waitlist":
        schedule = data["schedule"]
        joined = offer_flows.waitlist_join(profile=profile, schedule_id=schedule.pk, now=now, by=by, reason=reason)
        _log(request, joined.entry, desk_messages.ACTION_NAMES["waitlist"], reason)
        return desk_messages.WAITLIST_DONE.format(
            name=profile.name,
            course=schedule.course.name,
            starts_at=local_time_text(schedule.starts_at),
            position=joined.position,
        )
    makeup, session = data["makeup"], data["session"]
    result = booking_flows.makeup_book(
        profile=profile,
        schedule_id=session.pk,
        original_booking_id=makeup.original_booking_id,
        use_compensation=data["use_compensation"],
        confirm_shorter=data["confirm_shorter"],
        now=now,
        by=by,
        reason=reason,
    )
    _log(request, result.makeup, desk_messages.ACTION_NAMES["makeup"], reason)
    difference = result.makeup.duration_difference or 0
    tail = ""
    if difference > 0:
        tail = desk_messages.MAKEUP_SPENT.format(minutes=difference)
    elif difference < 0:
        tail = desk_messages.MAKEUP_CREDITED.format(minutes=-difference)
    return (
        desk_messages.MAKEUP_DONE.format(
            name=profile.name, course=session.course.name, starts_at=local_time_text(session.starts_at)
        )
        + tail
    )


ACTIONS = ("leave", "cancel", "book", "waitlist", "makeup")


def family_desk_view(request, profile_id: int, admin_site):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    profile = get_object_or_404(Profile.objects.select_related("owner"), pk=profile_id)
    desk = Desk(profile=profile, now=timezone.now())
    which = request.POST.get("desk_action") if request.method == "POST" else None
    if which is not None and which not in ACTIONS:
        raise PermissionDenied
    makeup_id = request.POST.get("makeup-makeup") or request.GET.get("makeup")
    forms_ = desk.forms(request.POST if which else None, which, makeup_id=makeup_id)
    preview = None
    if which:
        form = forms_[which]
        if form.is_valid():
            if which == "makeup" and "preview" in request.POST:
                preview = desk.makeup_effect(form.cleaned_data["makeup"], form.cleaned_data["session"])
            else:
                try:
                    text = _perform(request, desk, which, form.cleaned_data)
                except BusinessError as error:
                    messages.error(request, desk_messages.REFUSED.format(message=error.message))
                else:
                    messages.success(request, text)
                    return redirect(request.path)
    return TemplateResponse(
        request,
        "admin/backoffice/family_desk.html",
        {
            **admin_site.each_context(request),
            "title": desk_messages.DESK_TITLE.format(name=profile.name),
            "profile": profile,
            "seats": desk.active_seats(),
            "makeups": desk.pending_makeups(),
            "waiting": desk.waiting(),
            "forms": forms_,
            "preview": preview,
            "balance": compensation_balance(profile_id=profile.pk, now=desk.now),
            "opts": Profile._meta,
            "media": forms_["book"].media,
        },
    )


class ClassFamilyForm(forms.Form):
    """From a class's page: book a child into this class, or put the child on its waitlist."""

    profile = forms.ModelChoiceField(
        label=desk_messages.CHILD_LABEL,
        queryset=Profile.objects.all(),
        widget=AutocompleteSelect(Booking._meta.get_field("profile"), admin.site),
    )
    action = forms.ChoiceField(label=desk_messages.ACTION_LABEL, choices=desk_messages.CLASS_ACTIONS)
    reason = _reason_field()


def class_family_view(request, schedule_id: int, admin_site):
    """为学员办理 on a class: the same book / waitlist actions as the child's page (RULES §11.3, §11.5)."""
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    schedule = get_object_or_404(CourseSchedule.objects.select_related("course"), pk=schedule_id)
    form = ClassFamilyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        profile, which = form.cleaned_data["profile"], form.cleaned_data["action"]
        desk = Desk(profile=profile, now=timezone.now())
        try:
            text = _perform(request, desk, which, {"schedule": schedule, "reason": form.cleaned_data["reason"]})
        except BusinessError as error:
            messages.error(request, desk_messages.REFUSED.format(message=error.message))
        else:
            messages.success(request, text)
            return redirect("admin:courses_courseschedule_change", schedule.pk)
    return TemplateResponse(
        request,
        "admin/backoffice/class_family.html",
        {
            **admin_site.each_context(request),
            "title": desk_messages.CLASS_FAMILY_TITLE.format(schedule=schedule),
            "schedule": schedule,
            "form": form,
            "opts": CourseSchedule._meta,
            "media": form.media,
        },
    )
