"""The compensation ledger for Excel: every credit with what is left, who granted it and why."""

from import_export import fields, resources, widgets

from compensation import messages
from compensation.models import ClassCreditCompensation
from core.formatting import local_time_text

NUMBER = widgets.IntegerWidget(coerce_to_string=False)  # a number in Excel, not text


class CreditResource(resources.ModelResource):
    child = fields.Field(attribute="profile__name", column_name=messages.EXPORT_CHILD)
    minutes = fields.Field(attribute="minutes", column_name=messages.EXPORT_MINUTES, widget=NUMBER)
    remaining = fields.Field(attribute="remaining", column_name=messages.EXPORT_REMAINING, widget=NUMBER)
    source = fields.Field(column_name=messages.EXPORT_SOURCE)
    state = fields.Field(column_name=messages.EXPORT_STATUS)
    created = fields.Field(column_name=messages.EXPORT_CREATED_AT)
    expires = fields.Field(column_name=messages.EXPORT_EXPIRES_AT)
    operator = fields.Field(column_name=messages.EXPORT_OPERATOR)
    reason = fields.Field(attribute="reason", column_name=messages.EXPORT_REASON)

    class Meta:
        model = ClassCreditCompensation
        fields = ["child", "minutes", "remaining", "source", "state", "created", "expires", "operator", "reason"]
        export_order = fields

    def dehydrate_source(self, credit):
        return credit.get_source_display()

    def dehydrate_state(self, credit):
        return credit.get_status_display()

    def dehydrate_created(self, credit):
        return local_time_text(credit.created_at)

    def dehydrate_expires(self, credit):
        return local_time_text(credit.expires_at)

    def dehydrate_operator(self, credit):
        return str(credit.created_by) if credit.created_by_id else ""
