"""User-facing texts of notifications. Tests compare them literally."""

UNKNOWN_TEMPLATE_IDS = "包含未知的订阅消息模板"
NOTIFICATION_NOT_FOUND = "资源不存在"
