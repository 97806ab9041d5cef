"""What operators take to Excel from 预约 (a class's roster: filter the list by class first)."""

from import_export import fields, resources

from core.formatting import local_time_text
from courses import messages
from courses.models import Booking


class RosterResource(resources.ModelResource):
    child = fields.Field(attribute="profile__name", column_name=messages.EXPORT_CHILD)
    parent = fields.Field(column_name=messages.EXPORT_PARENT)
    phone = fields.Field(attribute="profile__owner__phone", column_name=messages.EXPORT_PHONE)
    course = fields.Field(attribute="schedule__course__name", column_name=messages.EXPORT_COURSE)
    starts_at = fields.Field(column_name=messages.EXPORT_STARTS_AT)
    kind = fields.Field(column_name=messages.EXPORT_KIND)
    state = fields.Field(column_name=messages.EXPORT_STATUS)
    booked_at = fields.Field(column_name=messages.EXPORT_BOOKED_AT)
    leave_reason = fields.Field(attribute="leave_reason", column_name=messages.EXPORT_LEAVE_REASON)

    class Meta:
        model = Booking
        fields = ["child", "parent", "phone", "course", "starts_at", "kind", "state", "booked_at", "leave_reason"]
        export_order = fields

    def dehydrate_parent(self, booking):
        return str(booking.profile.owner)

    def dehydrate_starts_at(self, booking):
        return local_time_text(booking.schedule.starts_at)

    def dehydrate_kind(self, booking):
        return booking.get_kind_display()

    def dehydrate_state(self, booking):
        return booking.get_status_display()

    def dehydrate_booked_at(self, booking):
        return local_time_text(booking.booked_at)
