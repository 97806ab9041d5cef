"""Admin actions that need a reason: a confirmation page asks for it, the action calls a service,
and every object acted on is logged (Django's admin log) with the operator and the reason."""

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from core import messages as core_messages
from core.errors import BusinessError


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=core_messages.REASON_LABEL,
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": core_messages.REASON_REQUIRED},
    )


def reason_action(description: str, perform: Callable, *, confirm: str = core_messages.CONFIRM) -> Callable:
    """perform(modeladmin, request, obj, reason) runs once per selected object, through a service;
    a BusinessError is reported for that object and the others still run. When perform returns a
    text, that is the operator's message for the object (what happened, to whom); otherwise one
    count is reported for all."""

    @admin.action(description=description, permissions=["change"])
    def action(modeladmin, request, queryset):
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"].strip()
            done = 0
            for obj in queryset:
                try:
                    said = perform(modeladmin, request, obj, reason)
                except BusinessError as error:
                    modeladmin.message_user(
                        request, core_messages.ACTION_FAILED.format(obj=obj, message=error.message), messages.ERROR
                    )
                    continue
                modeladmin.log_change(
                    request, obj, core_messages.ACTION_LOGGED.format(description=description, reason=reason)
                )
                if said:
                    modeladmin.message_user(request, said, messages.SUCCESS)
                else:
                    done += 1
            if done:
                modeladmin.message_user(
                    request, core_messages.ACTION_DONE.format(description=description, done=done), messages.SUCCESS
                )
            return None
        return TemplateResponse(
            request,
            "admin/core/action_with_reason.html",
            {
                **modeladmin.admin_site.each_context(request),
                "title": description,
                "objects": queryset,
                "form": form,
                "action": request.POST.get("action"),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "opts": modeladmin.model._meta,
                "confirm": confirm,
            },
        )

    action.__name__ = perform.__name__
    return action


class ForbidForgedActionsMixin:
    """A list action the operator may not run answers 403 when posted anyway (RULES §11.7), instead of
    Django's quiet "no action selected": the button is not shown, and a forged request is refused."""

    def changelist_view(self, request, extra_context=None):
        action = request.POST.get("action") if request.method == "POST" else None
        if action:
            declared = {item if isinstance(item, str) else item.__name__ for item in (self.actions or [])}
            if action in declared and action not in self.get_actions(request):
                raise PermissionDenied
        return super().changelist_view(request, extra_context)


@admin.display(description=core_messages.NUMBER_COLUMN, ordering="pk")
def number(obj) -> int:
    """The row's number, as the first (linked) column of a list: 编号, not Django's "ID"."""
    return obj.pk
