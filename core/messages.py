"""User-facing texts shared by every endpoint (docs/rules.md §9-10). Tests compare them literally."""

# Response envelope messages
OK = "操作成功"
VALIDATION_ERROR = "参数错误"
NOT_AUTHENTICATED = "请先登录"
PERMISSION_DENIED = "无权限"
NOT_FOUND = "资源不存在"
THROTTLED = "操作过于频繁，请稍后再试"
METHOD_NOT_ALLOWED = "不支持该请求方法"
UNSUPPORTED_MEDIA_TYPE = "请求格式不支持，请使用 JSON"
MALFORMED_REQUEST = "请求格式错误"
PAYLOAD_TOO_LARGE = "请求内容过大"
INVALID_PAGE = "页码无效"
SERVER_ERROR = "服务器繁忙，请稍后再试"

# Shared validation texts (API query fields and admin forms)
DATE_OUT_OF_RANGE = "日期超出范围"
DATE_TO_BEFORE_FROM = "结束日期不能早于开始日期"

# Retried transactions that still lost the lock race (core/db.py)
BUSY = "系统繁忙，请稍后再试"

# Date and time formats shown to parents
LOCAL_TIME = "{year}年{month}月{day}日 {time}"

# Admin actions with a reason (core/admin_actions.py)
REASON_LABEL = "原因"
REASON_REQUIRED = "请填写原因"
CONFIRM = "确认"
ACTION_FAILED = "{obj}：{message}"
ACTION_LOGGED = "{description}：{reason}"
ACTION_DONE = "{description}：{done} 项已完成"
NUMBER_COLUMN = "编号"
