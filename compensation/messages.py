"""User-facing texts of the compensation ledger (docs/rules.md §6-7). Tests compare them literally."""

PROMPT = "您有课时补偿可使用"
INSUFFICIENT = "补课时长超出原课程{minutes}分钟，需使用课时补偿"
REDEEM_INSUFFICIENT = "课时补偿不足，本课程需要{minutes}分钟"
ALREADY_USED = "该补课产生的课时补偿已被使用，无法取消"
ADJUST_BELOW_ZERO = "扣减后余额不能为负"
REASON_REQUIRED = "请填写原因"
MINUTES_INVALID = "调整分钟数不能为0"

# Admin ledger page (compensation/admin_views.py, compensation/admin.py)
LEDGER_COLUMN = "课时补偿"
LEDGER_LINK = "明细与调整"
LEDGER_TITLE = "课时补偿明细：{name}"
KIND_LABELS = {
    "credit": "补课时长差补偿",
    "adjustment": "人工调整",
    "use": "使用",
    "restore": "退回",
    "expire": "过期",
    "revoke": "撤销",
}

# Admin balance adjustment form
ADJUST_MINUTES_LABEL = "调整分钟（正数增加，负数扣减）"
ADJUST_EXPIRES_ON_LABEL = "过期日期（增加时可选，默认14天）"
EXPIRES_ON_NOT_FUTURE = "过期日期须晚于今天"
ADJUSTED = "已为{name}调整 {minutes:+d} 分钟，当前余额 {balance} 分钟"

# Exports (表头)
EXPORT_CHILD = "学员"
EXPORT_MINUTES = "分钟"
EXPORT_REMAINING = "剩余分钟"
EXPORT_SOURCE = "来源"
EXPORT_STATUS = "状态"
EXPORT_CREATED_AT = "发放时间"
EXPORT_EXPIRES_AT = "过期时间"
EXPORT_OPERATOR = "操作人"
EXPORT_REASON = "原因"
