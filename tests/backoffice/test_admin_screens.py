"""Operators' back office through Django's test client: actions with reasons, the §6.7 action end to
end, attendance, the ledger page, permissions, and changelist query counts."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission

from compensation.models import ClassCreditCompensation
from courses.models import Booking
from makeup.models import MakeupBooking
from notifications.models import Notification
from tests.factories import BookingFactory, ScheduleFactory, StaffFactory
from waitlist.models import WaitlistEntry, WaitlistOffer

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    staff = StaffFactory(is_superuser=True)
    client.force_login(staff)
    return staff


def act(client, url, action, ids, reason=None):
    data = {"action": action, "_selected_action": [str(i) for i in ids]}
    if reason is not None:
        data.update(apply="1", reason=reason)
    return client.post(url, data)


def test_schedule_list_shows_seats_and_the_waitlist_and_filters_full_queues(
    client, operator, wednesday_class, queue_of
):
    queue_of(wednesday_class, 2)
    quiet = ScheduleFactory(starts_at=wednesday_class.starts_at + timedelta(days=1))
    page = client.get("/admin/courses/courseschedule/").content.decode()
    assert "生效候补容量" in page and "候补人数" in page
    wednesday_class.waitlist_capacity = 2
    wednesday_class.save()
    full = client.get("/admin/courses/courseschedule/?queue=full").context["cl"].result_list
    assert [s.pk for s in full] == [wednesday_class.pk]
    assert quiet.pk not in [
        s.pk for s in client.get("/admin/courses/courseschedule/?queue=waiting").context["cl"].result_list
    ]


def test_the_schedule_page_shows_its_queue_in_order_and_its_offers(
    client, operator, wednesday_class, queue_of, free_a_seat
):
    parents = queue_of(wednesday_class, 3)
    free_a_seat(wednesday_class)
    page = client.get(f"/admin/courses/courseschedule/{wednesday_class.pk}/change/").content.decode()
    names = [p.profile.name for p in parents]
    assert page.index(names[0]) < page.index(names[1]) < page.index(names[2])
    assert "候补队列" in page and "名额释放" in page
    assert "广播" in page  # the open offer's phase


def test_cancel_a_whole_class_from_the_admin(client, operator, world, queue_of):
    target = world.sessions["120"]
    seats = [BookingFactory(schedule=target) for _ in range(3)]
    url = "/admin/courses/courseschedule/"
    form = act(client, url, "_cancel_class", [target.pk])
    assert form.status_code == 200 and "确认取消整节课" in form.content.decode()
    target.refresh_from_db()
    assert target.status == "open"  # nothing happens without a reason
    assert act(client, url, "_cancel_class", [target.pk], reason="").status_code == 200  # the form again
    response = act(client, url, "_cancel_class", [target.pk], reason="王教练生病")
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.status == "cancelled"
    assert set(Booking.objects.filter(pk__in=[b.pk for b in seats]).values_list("status", flat=True)) == {"cancelled"}
    assert MakeupBooking.objects.filter(original_booking__in=seats, status="pending").count() == 3
    assert Notification.objects.filter(template="session_cancelled").count() == 3
    log = LogEntry.objects.get(object_id=str(target.pk))
    assert log.user == operator and "王教练生病" in log.get_change_message()


def test_move_to_front_and_remove_with_a_reason(client, operator, wednesday_class, queue_of, free_a_seat, clock):
    first, second, third = queue_of(wednesday_class, 3)
    url = "/admin/waitlist/waitlistentry/"
    assert act(client, url, "_prioritize", [third.entry_id], reason="  ").status_code == 200
    assert WaitlistEntry.objects.get(pk=third.entry_id).priority == 0
    assert act(client, url, "_prioritize", [third.entry_id], reason="老学员优先").status_code == 302
    said = [str(m) for m in client.get(url).context["messages"]]
    assert said == [f"已将{third.profile.name}移到队首：{wednesday_class}"]  # in words (issue 14)
    entries = client.get(f"{url}?status__exact=waiting").context["cl"].result_list
    assert [(e.pk, e.ahead + 1) for e in sorted(entries, key=lambda e: e.ahead)] == [
        (third.entry_id, 1),
        (first.entry_id, 2),
        (second.entry_id, 3),
    ]
    assert act(client, url, "_remove", [first.entry_id], reason="家长电话取消").status_code == 302
    said = [str(m) for m in client.get(url).context["messages"]]
    assert said == [f"已将{first.profile.name}移出候补：{wednesday_class}"]
    removed = WaitlistEntry.objects.get(pk=first.entry_id)
    assert (removed.status, removed.end_reason, removed.ended_by) == ("removed", "家长电话取消", operator)
    assert LogEntry.objects.filter(object_id=str(first.entry_id), change_message__contains="家长电话取消").exists()


def test_manual_send_from_the_schedule_list(client, operator, wednesday_class, queue_of):
    queue_of(wednesday_class, 2)
    Booking.objects.filter(pk=wednesday_class.bookings.first().pk).update(status="cancelled", active=None)
    assert (
        act(client, "/admin/courses/courseschedule/", "_manual_send", [wednesday_class.pk], reason="补发").status_code
        == 302
    )
    assert WaitlistOffer.objects.get(schedule=wednesday_class).reason == "manual"


def test_attendance_in_bulk(client, operator, world, clock):
    target = world.sessions["120"]
    seats = [BookingFactory(schedule=target) for _ in range(2)]
    clock.move_to(target.starts_at + timedelta(minutes=1), tick=False)
    act(client, "/admin/courses/booking/", "mark_absent", [seats[0].pk])
    act(client, "/admin/courses/booking/", "mark_attended", [seats[1].pk])
    assert [Booking.objects.get(pk=b.pk).status for b in seats] == ["absent", "attended"]


def test_the_ledger_page_adjusts_with_a_reason(client, operator, world):
    url = f"/admin/accounts/profile/{world.profile.pk}/compensation/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"minutes": "30", "reason": ""}).context["form"].errors["reason"] == ["请填写原因"]
    response = client.post(url, {"minutes": "45", "reason": "老师调课", "expires_on": ""})
    assert response.status_code == 302
    credit = ClassCreditCompensation.objects.get(profile=world.profile)
    assert (credit.minutes, credit.created_by, credit.reason) == (45, operator, "老师调课")
    too_much = client.post(url, {"minutes": "-46", "reason": "扣减"})
    assert "扣减后余额不能为负" in too_much.content.decode()
    assert client.post(url, {"minutes": "-15", "reason": "更正"}).status_code == 302
    page = client.get(url).content.decode()
    assert '<strong id="balance">30</strong>' in page


def test_staff_without_the_model_permission_get_403(client, world):
    staff = StaffFactory()  # staff, but no permissions
    client.force_login(staff)
    assert client.get("/admin/courses/courseschedule/").status_code == 403
    assert client.get(f"/admin/accounts/profile/{world.profile.pk}/compensation/").status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_courseschedule"))
    assert client.get("/admin/courses/courseschedule/").status_code == 200


def test_non_staff_are_sent_to_the_login(client, world):
    client.force_login(world.profile.owner)
    response = client.get(f"/admin/accounts/profile/{world.profile.pk}/compensation/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize(
    "url",
    [
        "/admin/courses/courseschedule/",
        "/admin/waitlist/waitlistentry/",
        "/admin/courses/booking/",
        "/admin/notifications/notification/",
        "/admin/waitlist/waitlistoffer/",
    ],
)
def test_changelist_query_counts_do_not_grow(client, operator, make_parent, url, django_assert_max_num_queries):
    def populate(n):
        for _ in range(n):
            schedule = ScheduleFactory(capacity=1)
            BookingFactory(schedule=schedule)
            parent = make_parent()
            parent.join(schedule)
            Booking.objects.filter(schedule=schedule).update(status="cancelled", active=None)
            from waitlist.services import waitlist_notify

            waitlist_notify(schedule_id=schedule.pk)

    populate(2)
    with django_assert_max_num_queries(40) as small:
        client.get(url)
    baseline = len(small.captured_queries)
    populate(12)
    with django_assert_max_num_queries(baseline):
        assert client.get(url).status_code == 200


def test_a_full_class_page_lists_the_other_classes_each_linking_to_its_page(client, operator, wednesday_class):
    """RULES §15 at the front desk: the rules of the parents' list, except the child's own bookings
    (there is no child on the page, and the page says so)."""
    from tests.backoffice.admin_text import visible_text
    from tests.conftest import at

    saturday = ScheduleFactory(course=wednesday_class.course, starts_at=at("2026-12-05 10:00"), venue="海淀馆")
    thursday = ScheduleFactory(starts_at=at("2026-12-03 18:00"), coach="李教练")  # same type and level
    ScheduleFactory(course=wednesday_class.course, starts_at=at("2026-12-16 19:00"))  # start + 14 days: out
    BookingFactory(
        schedule=ScheduleFactory(course=wednesday_class.course, starts_at=at("2026-12-04 10:00"), capacity=1)
    )
    response = client.get(f"/admin/courses/courseschedule/{wednesday_class.pk}/change/")
    rows = response.context["alternatives"]
    assert [row["url"] for row in rows] == [
        f"/admin/courses/courseschedule/{saturday.pk}/change/",
        f"/admin/courses/courseschedule/{thursday.pk}/change/",
    ]
    assert [(row["match"], row["available"]) for row in rows] == [
        ("同课程 · 同教练 · 周六 10:00", 6),
        ("同类型同级别 · 同场馆 · 周四 18:00", 6),
    ]
    text = " ".join(visible_text(response.content.decode()))
    assert "其他可选课程" in text and "未核对学员的时间冲突" in text
    assert f'href="/admin/courses/courseschedule/{saturday.pk}/change/"' in response.content.decode()
    assert client.get(rows[0]["url"]).status_code == 200


def test_a_class_with_seats_lists_no_other_classes_a_full_one_without_any_says_so(client, operator, wednesday_class):
    free = ScheduleFactory(course=wednesday_class.course, starts_at=wednesday_class.starts_at + timedelta(days=1))
    page = client.get(f"/admin/courses/courseschedule/{free.pk}/change/")
    assert page.context["alternatives"] is None and "其他可选课程" not in page.content.decode()
    BookingFactory.create_batch(6, schedule=free)
    page = client.get(f"/admin/courses/courseschedule/{wednesday_class.pk}/change/")
    assert page.context["alternatives"] == [] and "暂无其他可选课程" in page.content.decode()
