"""User-facing texts of courses and bookings (docs/rules.md §1). Tests compare them literally."""

SCHEDULE_NOT_FOUND = "课程不存在"
SCHEDULE_FULL = "课程已满员"
SCHEDULE_STARTED = "课程已开始"
SCHEDULE_CANCELLED = "课程已取消"
TIME_CONFLICT = "与已预约课程时间冲突"
ALREADY_BOOKED = "您已预约该课程"
BOOKING_NOT_ACTIVE = "该预约无法取消或请假"
LEAVE_TOO_LATE = "请假需在开课前{hours}小时申请"
FULL_LABEL = "已满员"
SCHEDULE_ENDED = "课程已结束"
ATTENDANCE_STATUS = "出勤状态只能是已出勤或缺勤"
CANCELLED_LABEL = "已取消"
BOOKED = "预约成功"
BOOKING_CANCELLED = "已取消预约"
LEAVE_TAKEN = "请假成功，已生成待补课记录"
MAKEUP_SEAT_CANCELLED = "已取消补课"
REASON_REQUIRED = "请填写原因"

# Admin actions on bookings
MARK_ATTENDED = "标记出勤"
MARK_ABSENT = "标记缺勤"
MARKED = "{label}：{count} 个预约（未开课或已取消的不变）"

# Changing a class (RULES §11.6)
USE_ADJUST_ACTION = '该课程已有预约或候补，请使用"调整课程"操作'
START_IN_PAST = "调整后的开课时间不能早于现在"
ENDS_BEFORE_START = "结束时间须晚于开课时间"
SCHEDULE_NOT_OPEN = "只能调整未取消的课程"
CLASS_DESCRIPTION = "{starts_at}（{coach}，{venue}）"

# Exports (表头)
EXPORT_CHILD = "学员"
EXPORT_PARENT = "家长"
EXPORT_PHONE = "电话"
EXPORT_COURSE = "课程"
EXPORT_STARTS_AT = "上课时间"
EXPORT_KIND = "类型"
EXPORT_STATUS = "状态"
EXPORT_BOOKED_AT = "预约时间"
EXPORT_LEAVE_REASON = "请假原因"
NOTHING_CHANGED = "调整内容与现在相同，未通知家庭"
