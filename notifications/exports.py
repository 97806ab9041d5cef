"""The notification delivery list for Excel: what went to whom, and how WeChat and SMS answered."""

from import_export import fields, resources, widgets

from core.formatting import local_time_text
from notifications import messages
from notifications.models import Notification, template_title

NUMBER = widgets.IntegerWidget(coerce_to_string=False)  # a number in Excel, not text


class DeliveryResource(resources.ModelResource):
    kind = fields.Field(column_name=messages.TEMPLATE_COLUMN)
    parent = fields.Field(column_name=messages.EXPORT_PARENT)
    child = fields.Field(column_name=messages.EXPORT_CHILD)
    title = fields.Field(attribute="title", column_name=messages.EXPORT_TITLE)
    state = fields.Field(column_name=messages.EXPORT_WECHAT_STATUS)
    errcode = fields.Field(attribute="errcode", column_name=messages.EXPORT_ERRCODE, widget=NUMBER)
    sms_state = fields.Field(column_name=messages.EXPORT_SMS_STATUS)
    sms_error = fields.Field(attribute="sms_error", column_name=messages.EXPORT_SMS_ERROR)
    created = fields.Field(column_name=messages.EXPORT_CREATED_AT)
    sent = fields.Field(column_name=messages.EXPORT_SENT_AT)

    class Meta:
        model = Notification
        fields = ["kind", "parent", "child", "title", "state", "errcode", "sms_state", "sms_error", "created", "sent"]
        export_order = fields

    def dehydrate_kind(self, row):
        return template_title(row.template)

    def dehydrate_parent(self, row):
        return str(row.user)

    def dehydrate_child(self, row):
        return row.profile.name if row.profile_id else ""

    def dehydrate_state(self, row):
        return row.get_wechat_status_display()

    def dehydrate_sms_state(self, row):
        return row.get_sms_status_display()

    def dehydrate_created(self, row):
        return local_time_text(row.created_at)

    def dehydrate_sent(self, row):
        return local_time_text(row.sent_at) if row.sent_at else ""
