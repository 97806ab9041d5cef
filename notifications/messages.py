"""User-facing texts of notifications. Tests compare them literally."""

# API errors
UNKNOWN_TEMPLATE_IDS = "包含未知的订阅消息模板"
NOTIFICATION_NOT_FOUND = "资源不存在"

# Admin actions
RESEND_ACTION = "重新发送（失败或未订阅的通知）"
RESENT = "已重新加入发送队列：{count} 条"
RESENT_NONE_IN_APP_ONLY = "0 条：均为仅站内信的通知（模板未配置微信模板）"
RESENT_NONE_SENT = "0 条：所选通知均已送达或正在发送"
RESENT_NONE = "0 条：只有发送失败或未订阅的通知可以重新发送"
RESEND_SMS_ACTION = "重新发送短信（发送失败的短信）"
RESENT_SMS = "已重新加入短信发送队列：{count} 条"
RESENT_SMS_NONE = "0 条：只有发送失败的短信可以重新发送，且家长需已绑定手机号并开启短信提醒"
RESENT_SMS_NONE_WORKER_LOST = (
    "0 条：所选短信在发送中断（WorkerLost），可能已经送达；请先在腾讯云短信控制台核对发送记录，"
    "确认未送达后用 resend_notifications --sms-worker-lost 重发"
)
TEMPLATE_COLUMN = "通知类型"
FAILED_FILTER = "发送失败"
FAILED_LAST_HOUR = "最近1小时"

# Exports (表头)
EXPORT_PARENT = "家长"
EXPORT_CHILD = "学员"
EXPORT_TITLE = "标题"
EXPORT_WECHAT_STATUS = "微信发送状态"
EXPORT_ERRCODE = "微信错误码"
EXPORT_SMS_STATUS = "短信发送状态"
EXPORT_SMS_ERROR = "短信错误码"
EXPORT_CREATED_AT = "创建时间"
EXPORT_SENT_AT = "发送时间"
