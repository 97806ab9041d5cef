"""Make-ups for Excel: 补课记录, with the filters applied."""

from import_export import fields, resources, widgets

from core.formatting import local_time_text
from courses import messages as course_messages
from makeup import messages
from makeup.models import MakeupBooking

NUMBER = widgets.IntegerWidget(coerce_to_string=False)  # a number in Excel, not text


class MakeupResource(resources.ModelResource):
    child = fields.Field(attribute="profile__name", column_name=course_messages.EXPORT_CHILD)
    phone = fields.Field(attribute="profile__owner__phone", column_name=course_messages.EXPORT_PHONE)
    original = fields.Field(column_name=messages.EXPORT_ORIGINAL)
    original_minutes = fields.Field(column_name=messages.EXPORT_ORIGINAL_MINUTES)
    state = fields.Field(column_name=course_messages.EXPORT_STATUS)
    leave_at = fields.Field(column_name=messages.EXPORT_LEAVE_AT)
    session = fields.Field(column_name=messages.EXPORT_SESSION)
    difference = fields.Field(attribute="duration_difference", column_name=messages.EXPORT_DIFFERENCE, widget=NUMBER)

    class Meta:
        model = MakeupBooking
        fields = ["child", "phone", "original", "original_minutes", "state", "leave_at", "session", "difference"]
        export_order = fields

    def dehydrate_original(self, makeup):
        if makeup.original_booking_id:
            schedule = makeup.original_booking.schedule
            return f"{schedule.course.name} {local_time_text(schedule.starts_at)}"
        return messages.EXPORT_REDEMPTION

    def dehydrate_original_minutes(self, makeup):
        return makeup.original_minutes or ""  # a redemption has no original class

    def dehydrate_state(self, makeup):
        return makeup.get_status_display()

    def dehydrate_leave_at(self, makeup):
        return local_time_text(makeup.leave_time) if makeup.leave_time else ""

    def dehydrate_session(self, makeup):
        if makeup.booking_id:
            schedule = makeup.booking.schedule
            return f"{schedule.course.name} {local_time_text(schedule.starts_at)}"
        return ""
