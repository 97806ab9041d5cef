"""RULES §7: balance and history, expiry at its boundary, reminders, operator adjustments."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from compensation import services
from compensation.models import ClassCreditCompensation, CompensationUsage
from core.errors import BusinessError
from notifications.models import Notification
from tests.compensation.invariants import assert_ledger_invariants
from tests.conftest import at
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
NOW = at("2026-12-02 10:00")


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


def balance(client, profile):
    return client.get(f"/api/v1/compensation/balance?profile_id={profile.pk}").json()["data"]


def test_no_balance_no_prompt(parent_client, profile):
    assert balance(parent_client, profile) == {
        "balance_minutes": 0,
        "expiring_soon": [],
        "has_compensation": False,
        "prompt": None,
    }


def test_balance_prompt_and_credits_expiring_within_three_days(parent_client, profile):
    staff = StaffFactory()
    services.compensation_adjust(
        profile_id=profile.pk, minutes=30, reason="补偿", by=staff, expires_at=NOW + timedelta(days=3)
    )
    services.compensation_adjust(profile_id=profile.pk, minutes=45, reason="补偿", by=staff)
    data = balance(parent_client, profile)
    soon = ClassCreditCompensation.objects.get(minutes=30)
    assert data == {
        "balance_minutes": 75,
        "has_compensation": True,
        "prompt": "您有课时补偿可使用",
        "expiring_soon": [{"credit_id": soon.pk, "remaining": 30, "expires_at": "2026-12-05T10:00:00+08:00"}],
    }


def test_another_parents_profile_is_404(parent_client, other_profile):
    for path in ("balance", "history"):
        response = parent_client.get(f"/api/v1/compensation/{path}?profile_id={other_profile.pk}")
        assert response.status_code == 404 and response.json()["message"] == "档案不存在"


def test_expiry_at_the_boundary_writes_an_expire_row(profile, clock):
    credit = services.compensation_credit_create(profile_id=profile.pk, minutes=40, source="adjustment", now=NOW)
    clock.move_to(credit.expires_at - timedelta(seconds=1), tick=False)
    assert services.compensation_expire() == 0
    clock.move_to(credit.expires_at, tick=False)
    assert services.compensation_expire() == 1
    assert services.compensation_expire() == 0  # idempotent
    credit.refresh_from_db()
    assert (credit.remaining, credit.status) == (0, "expired")
    assert list(CompensationUsage.objects.values_list("kind", "minutes")) == [("expire", 40)]
    assert_ledger_invariants()


def test_reminded_once_three_days_before_expiry(profile, clock):
    credit = services.compensation_credit_create(profile_id=profile.pk, minutes=40, source="adjustment", now=NOW)
    clock.move_to(credit.expires_at - timedelta(days=3, seconds=1), tick=False)
    assert services.compensation_remind() == 0
    clock.move_to(credit.expires_at - timedelta(days=3), tick=False)
    assert services.compensation_remind() == 1
    assert services.compensation_remind() == 0
    (reminder,) = Notification.objects.filter(template="compensation_expiring")
    assert reminder.body == f"{profile.name}有40分钟课时补偿将于2026年12月16日 10:00过期，请尽快使用。"


def test_operator_addition_expires_in_14_days_unless_dated_and_keeps_who_and_why(profile):
    staff = StaffFactory()
    result = services.compensation_adjust(profile_id=profile.pk, minutes=60, reason="老师调课补偿", by=staff)
    assert result.balance == 60
    credit = ClassCreditCompensation.objects.get()
    assert (credit.source, credit.created_by, credit.reason, credit.expires_at) == (
        "adjustment",
        staff,
        "老师调课补偿",
        NOW + timedelta(days=14),
    )
    services.compensation_adjust(
        profile_id=profile.pk, minutes=10, reason="活动", by=staff, expires_at=NOW + timedelta(days=60)
    )
    assert ClassCreditCompensation.objects.get(minutes=10).expires_at == NOW + timedelta(days=60)


def test_operator_deduction_spends_soonest_first_and_never_below_zero(profile):
    staff = StaffFactory()
    services.compensation_adjust(
        profile_id=profile.pk, minutes=30, reason="a", by=staff, expires_at=NOW + timedelta(days=9)
    )
    services.compensation_adjust(
        profile_id=profile.pk, minutes=20, reason="b", by=staff, expires_at=NOW + timedelta(days=2)
    )
    assert services.compensation_adjust(profile_id=profile.pk, minutes=-25, reason="误操作更正", by=staff).balance == 25
    takes = list(
        CompensationUsage.objects.order_by("id").values_list(
            "credit__minutes", "minutes", "kind", "created_by", "reason"
        )
    )
    assert takes == [(20, 20, "use", staff.pk, "误操作更正"), (30, 5, "use", staff.pk, "误操作更正")]
    with pytest.raises(BusinessError) as refused:
        services.compensation_adjust(profile_id=profile.pk, minutes=-26, reason="x", by=staff)
    assert refused.value.message == "扣减后余额不能为负"
    assert_ledger_invariants()


@pytest.mark.parametrize(("minutes", "reason", "message"), [(10, " ", "请填写原因"), (0, "x", "调整分钟数不能为0")])
def test_adjustments_need_a_reason_and_minutes(profile, minutes, reason, message):
    with pytest.raises(BusinessError) as refused:
        services.compensation_adjust(profile_id=profile.pk, minutes=minutes, reason=reason, by=StaffFactory())
    assert refused.value.message == message
    assert not ClassCreditCompensation.objects.exists()


def test_history_newest_first_with_the_balance_after_each_row(parent_client, profile, clock):
    staff = StaffFactory()
    services.compensation_adjust(
        profile_id=profile.pk, minutes=30, reason="加", by=staff, expires_at=NOW + timedelta(days=1)
    )
    clock.move_to(NOW + timedelta(hours=1), tick=False)
    services.compensation_adjust(profile_id=profile.pk, minutes=-10, reason="减", by=staff)
    clock.move_to(NOW + timedelta(days=1), tick=False)
    services.compensation_expire()
    items = parent_client.get(f"/api/v1/compensation/history?profile_id={profile.pk}").json()["data"]["items"]
    assert [(i["kind"], i["minutes"], i["balance_after"], i["reason"]) for i in items] == [
        ("expire", -20, 0, None),
        ("adjustment", -10, 20, "减"),
        ("adjustment", 30, 30, "加"),
    ]
    assert items[2]["expires_at"] == "2026-12-03T10:00:00+08:00"


def test_history_query_count_is_constant(parent_client, profile, django_assert_max_num_queries):
    staff = StaffFactory()
    services.compensation_adjust(profile_id=profile.pk, minutes=30, reason="a", by=staff)
    with django_assert_max_num_queries(6) as small:
        parent_client.get(f"/api/v1/compensation/history?profile_id={profile.pk}&page_size=100")
    baseline = len(small.captured_queries)
    for _ in range(20):
        services.compensation_adjust(profile_id=profile.pk, minutes=5, reason="a", by=staff)
        services.compensation_adjust(profile_id=profile.pk, minutes=-3, reason="b", by=staff)
    with django_assert_max_num_queries(baseline):
        assert (
            parent_client.get(f"/api/v1/compensation/history?profile_id={profile.pk}&page_size=100").json()["data"][
                "count"
            ]
            > 40
        )


def test_nothing_is_ever_deleted_from_the_ledger(client, profile):
    services.compensation_adjust(profile_id=profile.pk, minutes=30, reason="a", by=StaffFactory())
    credit = ClassCreditCompensation.objects.get()
    client.force_login(StaffFactory(is_superuser=True))
    assert client.get(f"/admin/compensation/classcreditcompensation/{credit.pk}/delete/").status_code == 403
    page = client.get(f"/admin/compensation/classcreditcompensation/{credit.pk}/change/")
    assert page.status_code == 200 and 'name="remaining"' not in page.content.decode()


def test_a_balance_read_expires_a_credit_whole_at_its_expiry_not_a_second_earlier(parent_client, profile, clock):
    """RULES §7: whatever touches a credit past `expires_at` first expires it (here the balance read,
    before any hourly job); at the instant itself it is already unusable."""
    credit = services.compensation_credit_create(profile_id=profile.pk, minutes=40, source="adjustment", now=NOW)
    clock.move_to(credit.expires_at - timedelta(seconds=1), tick=False)
    assert balance(parent_client, profile)["balance_minutes"] == 40
    assert not CompensationUsage.objects.exists()
    clock.move_to(credit.expires_at, tick=False)
    assert balance(parent_client, profile)["balance_minutes"] == 0
    credit.refresh_from_db()
    assert (credit.remaining, credit.status) == (0, "expired")
    assert list(CompensationUsage.objects.values_list("kind", "minutes")) == [("expire", 40)]
    assert services.compensation_expire() == 0


def test_the_balance_leaves_out_a_credit_past_its_expiry_before_the_hourly_job(profile, clock):
    """RULES §7: a credit can be spent while now < expires_at. Between its expiry and the hourly job
    it is still `active` with its minutes, and the balance (which every spend check and screen reads)
    must already leave it out: at the instant itself and one second later."""
    from compensation.selectors import compensation_balance

    credit = services.compensation_credit_create(profile_id=profile.pk, minutes=40, source="adjustment", now=NOW)
    services.compensation_credit_create(
        profile_id=profile.pk, minutes=15, source="adjustment", now=NOW, expires_at=NOW + timedelta(days=30)
    )
    for seconds, balance_then in ((-1, 55), (0, 15), (1, 15)):
        clock.move_to(credit.expires_at + timedelta(seconds=seconds), tick=False)
        assert compensation_balance(profile_id=profile.pk, now=timezone.now()) == balance_then
    credit.refresh_from_db()
    assert (credit.status, credit.remaining) == ("active", 40)  # nothing has expired it yet
    assert services.compensation_expire() == 1
    assert compensation_balance(profile_id=profile.pk, now=timezone.now()) == 15


def test_a_history_read_expires_due_credits_so_its_balance_after_is_the_balance(parent_client, profile, clock):
    credit = services.compensation_credit_create(profile_id=profile.pk, minutes=25, source="adjustment", now=NOW)
    clock.move_to(credit.expires_at + timedelta(minutes=30), tick=False)
    rows = parent_client.get(f"/api/v1/compensation/history?profile_id={profile.pk}").json()["data"]["items"]
    assert [(row["kind"], row["minutes"], row["balance_after"]) for row in rows] == [
        ("expire", -25, 0),
        ("adjustment", 25, 25),
    ]
    assert_ledger_invariants([profile.pk])


def test_an_only_child_s_balance_and_history_need_no_profile_id(parent_client, profile):
    services.compensation_adjust(profile_id=profile.pk, minutes=30, reason="补偿", by=StaffFactory())
    assert parent_client.get("/api/v1/compensation/balance").json()["data"]["balance_minutes"] == 30
    rows = parent_client.get("/api/v1/compensation/history").json()["data"]["items"]
    assert [(row["kind"], row["minutes"]) for row in rows] == [("adjustment", 30)]


def test_with_several_children_a_missing_profile_id_is_still_400(parent_client, profile):
    from tests.factories import ProfileFactory

    ProfileFactory(owner=profile.owner)
    for path in ("balance", "history"):
        response = parent_client.get(f"/api/v1/compensation/{path}")
        assert response.status_code == 400
        assert response.json() == {
            "code": 400,
            "message": "参数错误",
            "error": "validation_error",
            "data": {"profile_id": ["该字段是必填项。"]},
        }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("conflicts, status, code", [(1, 200, 200), (99, 503, 503)])
def test_a_read_that_expires_retries_a_lock_conflict_then_answers_busy(
    parent_client, profile, clock, monkeypatch, conflicts, status, code
):
    """The expiry a balance read writes takes the profile's lock: a deadlock victim or a lock-wait
    timeout is retried, and if it keeps failing the parent gets 503 busy, never a 500."""
    credit = services.compensation_credit_create(profile_id=profile.pk, minutes=40, source="adjustment", now=NOW)
    clock.move_to(credit.expires_at, tick=False)
    real, calls = services._expire_due_locked, []

    def conflicting(profile_id, now):
        calls.append(now)
        if len(calls) <= conflicts:
            raise OperationalError(1205, "Lock wait timeout exceeded")
        return real(profile_id, now)

    monkeypatch.setattr(services, "_expire_due_locked", conflicting)
    response = parent_client.get(f"/api/v1/compensation/balance?profile_id={profile.pk}")
    assert (response.status_code, response.json()["code"]) == (status, code)
    if status == 503:
        assert response.json()["message"] == "系统繁忙，请稍后再试"
    else:
        assert response.json()["data"]["balance_minutes"] == 0
    assert len(calls) == min(conflicts + 1, 4)
