"""User-facing texts of notifications. Tests compare them literally."""

# API errors
UNKNOWN_TEMPLATE_IDS = "包含未知的订阅消息模板"
NOTIFICATION_NOT_FOUND = "资源不存在"

# Admin actions
RESEND_ACTION = "重新发送（失败或未订阅的通知）"
RESENT = "已重新加入发送队列：{count} 条"
