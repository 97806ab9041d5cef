"""User-facing texts of the compensation ledger (RULES.md §6-7). Tests compare them literally."""

PROMPT = "您有课时补偿可使用"
INSUFFICIENT = "补课时长超出原课程{minutes}分钟，需使用课时补偿"
REDEEM_INSUFFICIENT = "课时补偿不足，本课程需要{minutes}分钟"
ALREADY_USED = "该补课产生的课时补偿已被使用，无法取消"
ADJUST_BELOW_ZERO = "扣减后余额不能为负"
REASON_REQUIRED = "请填写原因"
MINUTES_INVALID = "调整分钟数不能为0"
