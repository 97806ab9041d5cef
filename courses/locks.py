"""Row locks of courses. The schedule row is the first lock of every write that grants or frees a
seat (the system's lock order: accounts/locks.py)."""

from core import hot_reads
from core.errors import BusinessError
from courses import messages
from courses.models import Course, CourseSchedule


def schedule_lock(*, schedule_id: int, skip_locked: bool = False) -> CourseSchedule | None:
    """Locks one schedule row, and only that row, for the caller's transaction.

    No JOIN in the locking query: MySQL/MariaDB would lock the joined course and course-type rows
    too, serialising every class of a course type (and making SKIP LOCKED skip unrelated classes).
    The course is read afterwards without a lock. With skip_locked, None when another holds it.
    """
    schedule = CourseSchedule.objects.select_for_update(skip_locked=skip_locked).filter(pk=schedule_id).first()
    if schedule is not None:
        schedule.course = Course.objects.select_related("course_type").get(pk=schedule.course_id)
        hot_reads.touch(schedule_ids=[schedule.pk])  # the cached pages showing this class end (core/hot_reads.py)
    return schedule


def schedules_lock(*, schedule_ids: list[int], skip_locked: bool = False) -> list[CourseSchedule]:
    """Locks these schedule rows in one statement, in id order (the order every writer of several
    classes takes them), each with its course read afterwards without a lock; with skip_locked,
    those another transaction holds are left out. For jobs that catch up many classes at once."""
    schedules = list(
        CourseSchedule.objects.select_for_update(skip_locked=skip_locked).filter(pk__in=schedule_ids).order_by("pk")
    )
    courses = Course.objects.select_related("course_type").in_bulk({schedule.course_id for schedule in schedules})
    for schedule in schedules:
        schedule.course = courses[schedule.course_id]
    hot_reads.touch(schedule_ids=[schedule.pk for schedule in schedules])
    return schedules


def schedule_lock_or_404(*, schedule_id: int) -> CourseSchedule:
    """`schedule_lock`, or 404 课程不存在."""
    schedule = schedule_lock(schedule_id=schedule_id)
    if schedule is None:
        raise BusinessError.not_found(messages.SCHEDULE_NOT_FOUND)
    return schedule
