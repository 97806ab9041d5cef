"""User-facing texts of the waitlist (docs/rules.md §2-5). Tests compare them literally."""

JOINED = "加入候补成功"
PROFILE_NOT_FOUND = "档案不存在"
WAITLIST_CLOSED = "候补已截止"
SCHEDULE_CANCELLED = "课程已取消"
SCHEDULE_NOT_FULL = "课程尚有名额，请直接预约"
ALREADY_BOOKED = "您已预约该课程"
ALREADY_WAITLISTED = "您已在候补队列中"
TIME_CONFLICT = "与已预约课程时间冲突"
WAITLIST_FULL = "候补队列已满，请选择其他课程"
NOT_WAITING = "该候补已结束"
OFFER_TAKEN = "名额已被抢占"
OFFER_EXPIRED = "候补确认已过期，名额已顺位给下一位候补用户"
NO_OFFER = "暂无可预约名额"
POSITION = "您是第{position}位候补"
COUNT = "候补: {count}/{capacity}人"
PROMPT = "确认预约？还剩{minutes}分钟决策时间"
SOON = "即将截止"
ABOUT_HOURS = "约{hours}小时"
ABOUT_DAYS = "约{days}天"
DAYS_RANGE = "{days}-{next_days}天"
BUTTON_TAKE = "有名额，立即预约"
BUTTON_JOIN = "加入候补"
BUTTON_JOINED = "已候补"
REASON_REQUIRED = "请填写原因"
ACCEPTED = "预约成功"
DECLINED = "已放弃本次名额"
CANCELLED = "已取消候补"
AUTO_ACCEPT_ON = "已开启自动递补"
AUTO_ACCEPT_OFF = "已关闭自动递补"
WAITLIST_LIMIT = "候补数量已达上限（{limit}个）"

# Admin actions and columns
PRIORITIZE_ACTION = "移到队首"
REMOVE_ACTION = "移出候补"
REMOVE_CONFIRM = "确认移出"
POSITION_COLUMN = "候补位置"
OVERDUE_FILTER = "处理是否超时"
OFFER_OVERDUE = "已过关闭时间仍未处理"
ENTRY_OVERDUE = "已过截止时间仍在候补"

# Operators: a move-to-front keeps its reason and who gave it
PRIORITY_REASON_BY = "{reason}（{operator}）"

# Exports (表头)
EXPORT_JOINED_AT = "加入时间"
EXPORT_PRIORITY_REASON = "优先原因"
EXPORT_END_REASON = "结束原因"
EXPORT_AUTO_ACCEPT = "自动递补"
YES = "是"
NO = "否"
# The end reasons the system writes (an operator's are free text, shown as written).
END_REASONS = {
    "direct_booking": "已直接预约",
    "auto_accept": "自动递补",
    "time_conflict": "已预约时间冲突的课程，自动取消",
    "makeup_booked_elsewhere": "补课已在其他课程预约",
}

# Operators' queue actions, in words
PRIORITIZED = "已将{name}移到队首：{schedule}"
REMOVED = "已将{name}移出候补：{schedule}"

# Other classes when a class is full (RULES §15): the match line of each
SAME_COURSE = "同课程"
SAME_TYPE_LEVEL = "同类型同级别"
SAME_COACH = "同教练"
SAME_VENUE = "同场馆"
WEEKDAY_TIME = "周{weekday} {time}"
WEEKDAYS = "一二三四五六日"  # Monday first, as datetime.weekday() counts
MATCH_SEPARATOR = " · "
