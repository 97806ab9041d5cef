"""User-facing texts of the back office (the dashboard and the class screens). Tests compare them literally."""

# Dashboard page and its date range form
TITLE = "运营看板"
DATE_FROM_LABEL = "开始日期"
DATE_TO_LABEL = "结束日期"
RANGE_TOO_LONG = "日期范围不能超过{days}天"

# Dashboard cards: labels and details
CONVERSION_LABEL = "候补转化率"
CONVERSION_DETAIL = "加入候补 {joined} · 其中成功预约 {booked}"
CLAIM_MEDIAN_LABEL = "名额释放到预约中位时长（分钟）"
CLAIM_MEDIAN_DETAIL = "被预约名额 {claimed}"
OFFERS_LABEL = "名额释放"
OFFERS_DETAIL = "被预约 {claimed} · 失效 {lapsed}"
OFFERS_LAPSED_LABEL = "失效名额"
OFFERS_LAPSED_DETAIL = "无人确认、转为公开预约的名额"
MAKEUP_USAGE_LABEL = "补课使用率"
MAKEUP_USAGE_DETAIL = "应补课 {owed} · 已预约或已补课 {used}"
COMPENSATION_LABEL = "课时补偿（分钟）：发放 / 使用 / 过期 / 撤销"
COMPENSATION_DETAIL = "使用已扣除取消补课退回的分钟；撤销是取消较短补课时收回的差额补偿"
DELIVERY_LABEL = "通知送达率"
DELIVERY_DETAIL = "通知 {total}"
DELIVERY_DETAIL_BY_STATUS = "通知 {total}：{by_status}"
SMS_DELIVERY_LABEL = "短信送达率"
SMS_DELIVERY_DETAIL = "短信 {total}（微信未送达时补发）"
SMS_DELIVERY_DETAIL_BY_STATUS = "短信 {total}：{by_status}"
AUTO_BOOKED_LABEL = "自动递补"
AUTO_BOOKED_DETAIL = "自动递补预约的名额（候补时开启了自动递补）"
CONFLICT_ENDED_LABEL = "时间冲突取消"
CONFLICT_ENDED_DETAIL = "预约其他课程后，因时间冲突自动取消的候补"
CLOSED_LATE_LABEL = "截止延迟关闭"
CLOSED_LATE_DETAIL = "截止后超过2分钟才关闭的候补 / 截止关闭的候补"
QUEUES_FULL_LABEL = "当前满员候补队列"
QUEUES_FULL_DETAIL = "未开课、候补人数已达候补容量的课程"

# Dashboard: the 需要处理 panel (RULES §16), the conditions the alerts watch
ATTENTION_TITLE = "需要处理"
ATTENTION_ALL_CLEAR = "一切正常（{time} 检查）"
ATTENTION_COUNT = "{count} 项需要处理（{time} 检查）"
ATTENTION_COLUMNS = ("情况", "当前", "何时需要处理", "状态", "")
ATTENTION_STATE = {"alert": "需要处理", "info": "提示", "ok": "正常"}
FAILED_LABEL = "最近1小时发送失败的通知"
FAILED_RULE = "有1条即需处理：核对原因后重发"
FAILED_LINK = "查看并重发"
OFFER_LAG_LABEL = "名额超时未处理（清理任务延迟）"
OFFER_LAG_RULE = "最久的一条超过{limit}"
OFFER_LAG_LINK = "查看超时名额"
CUTOFF_LAG_LABEL = "截止后仍在候补（截止关闭延迟）"
CUTOFF_LAG_RULE = "最久的一条超过{limit}"
CUTOFF_LAG_LINK = "查看这些候补"
HEARTBEAT_LABEL = "后台任务心跳"
HEARTBEAT_RULE = "超过{limit}没有心跳：检查 worker 和 beat 进程"
HEARTBEAT_LINK = "查看定时任务"
LEDGER_LABEL = "课时补偿账目异常"
LEDGER_RULE = "有1条即需处理：核对这些补偿的明细"
LEDGER_LINK = "查看异常补偿"
LEDGER_CHECK_LABEL = "补偿账目检查"
LEDGER_CHECK_RULE = "超过{limit}没有检查：检查 worker 和 beat 进程"
QUEUES_FULL_RULE = "仅提示：可加开课程或调整候补容量"
QUEUES_FULL_LINK = "查看这些课程"
COUNT_TEXT = "{count} 条"
CLASSES_TEXT = "{count} 节课"
AGO_TEXT = "{duration}前"
NEVER_TEXT = "从未运行"
NONE_TEXT = "无"
SECONDS_TEXT = "{s}秒"
MINUTES_TEXT = "{m}分{s}秒"
WHOLE_MINUTES_TEXT = "{m}分钟"
HOURS_TEXT = "{h}小时{m}分"

# Dashboard chart
CHART_TITLE = "每日候补与名额释放"
SERIES_NAMES = {"joined": "加入候补", "booked": "候补成功预约", "offers": "名额释放"}
CHART_SERIES_TOTAL = "{name}共{total}"
CHART_TOTALS_SEPARATOR = "，"
CHART_BAR_TITLE = "{day} {series}：{value}"  # one bar's tooltip
CHART_DESCRIPTION = "{date_from:%Y-%m-%d}至{date_to:%Y-%m-%d}每日数据：{totals}。"

# Class screen: inlines, columns and the queue filter
QUEUE_INLINE = "候补队列"
QUEUE_POSITION_COLUMN = "位置"
OFFERS_INLINE = "名额释放"
QUEUE_FILTER = "候补队列"
QUEUE_FULL = "已满员"
QUEUE_WAITING = "有候补"
BOOKED_COLUMN = "已预约"
AVAILABLE_COLUMN = "空余"
EFFECTIVE_CAPACITY_COLUMN = "生效候补容量"
WAITING_COLUMN = "候补人数"

# Class screen actions and their results
CANCEL_CLASS_ACTION = "取消整节课（如教练请假）"
CANCEL_CLASS_CONFIRM = "确认取消整节课"
CLASS_CANCELLED = "{schedule}：已取消 {bookings} 个预约，生成 {makeups} 条待补课，关闭 {closed} 个候补"
MANUAL_SEND_ACTION = "发送候补通知（释放空余名额）"
MANUAL_SEND_CONFIRM = "确认发送"
MANUAL_SENT = "{schedule}：释放 {offers} 个名额，通知 {notified} 人"

# The family desk (RULES §11): a child's page where the front desk acts for the family
DESK_LINK = "代家长办理"
DESK_COLUMN = "服务台"
DESK_TITLE = "代家长办理：{name}"
SEAT_OFFERED = "名额已发给{told}位候补"
SEAT_OPEN = "无人候补，名额已开放预约"
LEAVE_DONE = "已为{name}记录请假：生成待补课1条，{seat}"
LEAVE_LATE_DONE = "已为{name}记录超时请假：生成待补课1条，{seat}"
MAKEUP_SEAT_LEAVE_DONE = "已为{name}取消补课（补课不再生成待补课）：{seat}"
CANCEL_DONE = "已为{name}取消预约：{course}（{starts_at}），{seat}"
BOOK_DONE = "已为{name}预约：{course}（{starts_at}）"
WAITLIST_DONE = "已为{name}加入候补：{course}（{starts_at}），第{position}位"
MAKEUP_DONE = "已为{name}安排补课：{course}（{starts_at}）"
MAKEUP_SPENT = "，使用课时补偿{minutes}分钟"
MAKEUP_CREDITED = "，时长差{minutes}分钟已转为课时补偿"
REFUSED = "未办理：{message}"
BOOKING_LABEL = "预约"
SCHEDULE_LABEL = "课程"
MAKEUP_LABEL = "待补课"
SESSION_LABEL = "补课课程"
LATE_LABEL = "超时请假（已过请假截止时间，开课前仍可办理）"
CONFIRM_SHORTER_LABEL = "家长已确认较短的补课"
USE_COMPENSATION_LABEL = "使用课时补偿支付时长差"
PREVIEW_BUTTON = "查看补课说明"
MAKEUP_EFFECT_SAME = "时长相同，不涉及课时补偿"
MAKEUP_EFFECT_SHORTER = "补课比原课程少{minutes}分钟：需家长确认，差额{minutes}分钟转为课时补偿"
MAKEUP_EFFECT_LONGER = "补课比原课程多{minutes}分钟：需使用课时补偿{minutes}分钟（当前余额{balance}分钟）"
SESSION_CHOICE = "{course} · {starts_at} · {coach} · {venue} · 空余{seats}"
SCHEDULE_CHOICE = "{course} · {starts_at} · {coach} · {venue}"
ACTION_NAMES = {  # in the admin's history of the row acted on
    "leave": "代家长办理：请假",
    "cancel": "代家长办理：取消预约",
    "book": "代家长办理：预约",
    "waitlist": "代家长办理：加入候补",
    "makeup": "代家长办理：安排补课",
}

# Changing a class (RULES §11.6)
ADJUST_LINK = "调整课程"
ADJUST_TITLE = "调整课程：{schedule}"
ADJUST_DONE = "已调整 {course}：{old} → {new}，已通知{told}个家庭"
ADJUST_CLASHES = "；新时间与以下学员的其他课程冲突（预约未取消，请联系家长）：{names}"
ADJUST_OFFERS = "；{count}个候补名额的确认截止时间已按新的截止时间调整"
NAME_SEPARATOR = "、"
STARTS_AT_LABEL = "开课时间"
ENDS_AT_LABEL = "结束时间"
COACH_LABEL = "教练"
VENUE_LABEL = "场地"

# The back office's own name (site header, browser title, index heading)
SITE_HEADER = "{studio} · 候补与补课管理"
SITE_TITLE = "{studio}管理后台"
INDEX_TITLE = "今日工作"

# Seats changed from the class list or page
CAPACITY_CHANGED = "{schedule}：座位数 {old} → {new}"
CAPACITY_OFFERED = "：名额已发给{told}位候补"
CAPACITY_NOBODY_WAITING = "：无人候补，名额已开放预约"
CAPACITY_LOWERED = "（已预约的学员不受影响）"

# The class list's compact columns
COURSE_COLUMN = "课程"
TIME_COLUMN = "上课时间"
TIME_RANGE = "{starts:%m-%d %H:%M}–{ends:%H:%M}"
COACH_VENUE_COLUMN = "教练 · 场馆"
COACH_VENUE = "{coach} · {venue}"

# Acting for a family from a class's page
CLASS_FAMILY_LINK = "为学员办理"
CLASS_FAMILY_TITLE = "为学员办理：{schedule}"
CHILD_LABEL = "学员"
ACTION_LABEL = "办理"
CLASS_ACTIONS = [("book", "预约本课程"), ("waitlist", "加入本课程候补")]
