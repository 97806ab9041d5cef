"""A class's waitlist for Excel: 候补记录, filtered by class and status first."""

from import_export import fields, resources

from core.formatting import local_time_text
from courses import messages as course_messages
from waitlist import messages
from waitlist.models import WaitlistEntry


class WaitlistResource(resources.ModelResource):
    child = fields.Field(attribute="profile__name", column_name=course_messages.EXPORT_CHILD)
    parent = fields.Field(column_name=course_messages.EXPORT_PARENT)
    phone = fields.Field(attribute="profile__owner__phone", column_name=course_messages.EXPORT_PHONE)
    course = fields.Field(attribute="schedule__course__name", column_name=course_messages.EXPORT_COURSE)
    starts_at = fields.Field(column_name=course_messages.EXPORT_STARTS_AT)
    state = fields.Field(column_name=course_messages.EXPORT_STATUS)
    joined_at = fields.Field(column_name=messages.EXPORT_JOINED_AT)
    priority_reason = fields.Field(attribute="priority_reason", column_name=messages.EXPORT_PRIORITY_REASON)
    end_reason = fields.Field(column_name=messages.EXPORT_END_REASON)
    auto_accept = fields.Field(column_name=messages.EXPORT_AUTO_ACCEPT)

    class Meta:
        model = WaitlistEntry
        fields = [
            "child",
            "parent",
            "phone",
            "course",
            "starts_at",
            "state",
            "joined_at",
            "priority_reason",
            "auto_accept",
            "end_reason",
        ]
        export_order = fields

    def dehydrate_parent(self, entry):
        return str(entry.profile.owner)

    def dehydrate_starts_at(self, entry):
        return local_time_text(entry.schedule.starts_at)

    def dehydrate_state(self, entry):
        return entry.get_status_display()

    def dehydrate_joined_at(self, entry):
        return local_time_text(entry.joined_at)

    def dehydrate_end_reason(self, entry):
        return entry.end_reason_text

    def dehydrate_auto_accept(self, entry):
        return messages.YES if entry.auto_accept else messages.NO
