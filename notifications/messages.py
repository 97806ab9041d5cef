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
TEMPLATE_COLUMN = "通知类型"

# Exports (表头)
EXPORT_PARENT = "家长"
EXPORT_CHILD = "学员"
EXPORT_TITLE = "标题"
EXPORT_WECHAT_STATUS = "微信发送状态"
EXPORT_ERRCODE = "微信错误码"
EXPORT_CREATED_AT = "创建时间"
EXPORT_SENT_AT = "发送时间"
