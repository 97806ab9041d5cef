"""RULES §6.2 and the seed's US-4 / US-7: eligible sessions, filters, order, and each item's texts."""

from datetime import timedelta

import pytest

from tests.conftest import at
from tests.factories import BookingFactory, ScheduleFactory
from tests.makeup.conftest import book, course, fill

pytestmark = pytest.mark.django_db


def available(world, **params):
    query = "&".join(f"{key}={value}" for key, value in {"makeup_id": world.makeup_id, **params}.items())
    response = world.client.get(f"/api/v1/makeup/available?{query}")
    assert response.status_code == 200, response.json()
    return response.json()["data"]["items"]


def ids(items):
    return [item["id"] for item in items]


def test_same_type_same_level_not_full_by_default(world):
    s = world.sessions
    assert ids(available(world)) == [s["90"].pk, s["60"].pk, s["120"].pk, s["150"].pk]


def test_lower_levels_on_request_never_higher_and_same_level_first(world):
    s = world.sessions
    assert ids(available(world, include_lower_levels="true")) == [
        s["90"].pk,
        s["60"].pk,
        s["120"].pk,
        s["150"].pk,
        s["lower"].pk,
    ]


def test_same_level_first_even_when_a_lower_session_starts_sooner(world):
    """RULES §6.2: ordered by same level first, then start time; a lower session a day earlier than
    every same-level one still comes after them."""
    s = world.sessions
    sooner = ScheduleFactory(course=s["lower"].course, starts_at=at("2026-12-04 10:00"))
    assert sooner.starts_at < min(s[key].starts_at for key in ("90", "60", "120", "150"))
    assert ids(available(world, include_lower_levels="true")) == [
        s["90"].pk,
        s["60"].pk,
        s["120"].pk,
        s["150"].pk,
        sooner.pk,
        s["lower"].pk,
    ]


def test_full_sessions_only_on_request_with_the_full_prompt(world):
    s = world.sessions
    fill(s["90"])
    assert s["90"].pk not in ids(available(world))
    item = next(i for i in available(world, include_full="true") if i["id"] == s["90"].pk)
    assert (item["is_full"], item["full_prompt"]) == (True, "课程已满员,是否加入候补")
    others = [i for i in available(world, include_full="true") if i["id"] != s["90"].pk]
    assert {i["full_prompt"] for i in others} == {None}


def test_not_started_not_the_original_not_booked_no_conflict(world, clock):
    s = world.sessions
    BookingFactory(profile=world.profile, schedule=s["60"])  # already booked
    ScheduleFactory(course=world.original.course, starts_at=at("2026-12-02 09:00"))  # started before now
    BookingFactory(
        profile=world.profile,
        schedule=ScheduleFactory(
            course=course(world.regular, 1, 60), starts_at=s["150"].starts_at + timedelta(minutes=30)
        ),
    )
    assert ids(available(world)) == [s["90"].pk, s["120"].pk]
    assert world.original.pk not in ids(available(world))


def test_filters_date_coach_venue_weekday_time_of_day(world):
    s = (
        world.sessions
    )  # 90: Sat 12-05 09:00 王/朝阳; 60: Sat 12:00 李/海淀; 120: Sun 12-06 09:00 王/海淀; 150: Sun 14:00
    assert ids(available(world, date_from="2026-12-06")) == [s["120"].pk, s["150"].pk]
    assert ids(available(world, date_to="2026-12-05")) == [s["90"].pk, s["60"].pk]
    assert ids(available(world, coach="王教练")) == [s["90"].pk, s["120"].pk]
    assert ids(available(world, venue="海淀馆")) == [s["60"].pk, s["120"].pk]
    assert ids(available(world, weekday=6)) == [s["90"].pk, s["60"].pk]  # Saturday
    assert ids(available(world, weekday=7)) == [s["120"].pk, s["150"].pk]
    assert ids(available(world, time_of_day="morning")) == [s["90"].pk, s["120"].pk]
    assert ids(available(world, time_of_day="afternoon")) == [s["60"].pk, s["150"].pk]
    assert ids(available(world, time_of_day="evening")) == []


def test_time_of_day_boundaries_in_shanghai_time(world):
    noon = ScheduleFactory(course=world.sessions["90"].course, starts_at=at("2026-12-08 12:00"))
    six = ScheduleFactory(course=world.sessions["90"].course, starts_at=at("2026-12-08 18:00"))
    eleven = ScheduleFactory(course=world.sessions["90"].course, starts_at=at("2026-12-08 11:59"))
    kw = {"date_from": "2026-12-08"}
    assert ids(available(world, time_of_day="morning", **kw)) == [eleven.pk]
    assert ids(available(world, time_of_day="afternoon", **kw)) == [noon.pk]
    assert ids(available(world, time_of_day="evening", **kw)) == [six.pk]


def test_item_texts_for_a_shorter_session_the_seed_s_example(world):
    item = next(i for i in available(world) if i["id"] == world.sessions["90"].pk)
    assert (item["original_price"], item["price"]) == ("180.00", "0.00")  # ~~¥180~~ ¥0
    assert (item["duration_minutes"], item["duration_difference"]) == (90, -30)
    assert item["notice"] == "补课时长比原课程少"
    assert item["confirm_prompt"] == "本课程仅1.5小时，比您原课程少0.5小时，是否确认预约？"
    assert item["match"] == {
        "same_level": True,
        "same_coach": True,
        "same_venue": True,
        "text": "同级别 · 同教练 · 同场馆 · 时长少30分钟",
    }


def test_one_hour_session_prompt(world):
    item = next(i for i in available(world) if i["id"] == world.sessions["60"].pk)
    assert item["confirm_prompt"] == "本课程仅1小时，比您原课程少1小时，是否确认预约？"
    assert item["match"]["text"] == "同级别 · 时长少60分钟"


@pytest.mark.parametrize(
    ("minutes", "prompt"),
    [
        (118, "本课程仅118分钟，比您原课程少2分钟，是否确认预约？"),
        (100, "本课程仅100分钟，比您原课程少20分钟，是否确认预约？"),
        (30, "本课程仅0.5小时，比您原课程少1.5小时，是否确认预约？"),
    ],
)
def test_a_duration_that_is_not_whole_half_hours_reads_in_minutes(world, minutes, prompt):
    """RULES §6.2: a 118-minute session for the 120-minute class reads in minutes, in the search and
    in the booking's confirm_required answer alike."""
    session = ScheduleFactory(
        course=course(world.regular, 2, minutes), starts_at=at("2026-12-09 09:00"), coach="李教练", venue="海淀馆"
    )
    item = next(i for i in available(world) if i["id"] == session.pk)
    assert (item["confirm_prompt"], item["match"]["text"]) == (prompt, f"同级别 · 时长少{120 - minutes}分钟")
    response = book(world, session)
    assert response.status_code == 409
    assert response.json() == {"code": 409, "message": prompt, "error": "confirm_required", "data": None}


def test_equal_longer_and_lower_sessions(world):
    items = {i["id"]: i for i in available(world, include_lower_levels="true")}
    same = items[world.sessions["120"].pk]
    assert (same["duration_difference"], same["notice"], same["confirm_prompt"]) == (0, None, None)
    assert same["match"]["text"] == "同级别 · 同教练 · 时长相同"
    longer = items[world.sessions["150"].pk]
    assert (longer["duration_difference"], longer["notice"]) == (30, None)
    assert longer["match"]["text"] == "同级别 · 时长多30分钟"
    lower = items[world.sessions["lower"].pk]
    assert lower["match"] == {"same_level": False, "same_coach": False, "same_venue": False, "text": "低1级 · 时长相同"}


def test_another_parents_makeup_is_404(world, other_client):
    response = other_client.get(f"/api/v1/makeup/available?makeup_id={world.makeup_id}")
    assert response.status_code == 404 and response.json() == {
        "code": 404,
        "message": "资源不存在",
        "error": "not_found",
        "data": None,
    }


@pytest.mark.parametrize(
    ("query", "details"),
    [
        ("", {"makeup_id": ["请提供待补课记录，或档案与 redeem=true"]}),
        ("profile_id={profile}", {"makeup_id": ["请提供待补课记录，或档案与 redeem=true"]}),  # no redeem=true
        ("makeup_id=abc", {"makeup_id": ["请填写合法的整数值。"]}),
        ("makeup_id={makeup}&weekday=8", {"weekday": ["请确保该值小于或者等于 7。"]}),
        ("makeup_id={makeup}&time_of_day=night", {"time_of_day": ["“night” 不是合法选项。"]}),
        ("makeup_id={makeup}&date_from=2026-12-09&date_to=2026-12-01", {"date_to": ["结束日期不能早于开始日期"]}),
    ],
)
def test_bad_available_queries_are_400(world, query, details):
    """RULES §9: bad input is 400 validation_error naming the field at fault."""
    query = query.format(profile=world.profile.pk, makeup=world.makeup_id)
    response = world.client.get(f"/api/v1/makeup/available?{query}")
    assert (response.status_code, response.json()) == (
        400,
        {"code": 400, "message": "参数错误", "error": "validation_error", "data": details},
    )


def test_redeem_lists_sessions_up_to_the_profile_level_of_any_type(world):
    s = world.sessions
    response = world.client.get(f"/api/v1/makeup/available?profile_id={world.profile.pk}&redeem=true")
    items = {i["id"]: i for i in response.json()["data"]["items"]}
    assert set(items) == {
        s["90"].pk,
        s["60"].pk,
        s["120"].pk,
        s["150"].pk,
        s["lower"].pk,
        s["vip"].pk,
        world.original.pk,
    }
    assert items[s["60"].pk]["duration_difference"] == 60
    assert items[s["60"].pk]["match"]["text"] == "同级别 · 需60分钟课时补偿"
    assert items[s["lower"].pk]["match"]["text"] == "低1级 · 需120分钟课时补偿"


def test_redeem_lists_the_profile_s_own_level_first(world):
    """RULES §6.2's order holds for a redemption too: the child's own level first, then start time;
    a lower session a day earlier than the rest still comes after every same-level one."""
    s = world.sessions
    sooner = ScheduleFactory(course=s["lower"].course, starts_at=at("2026-12-04 10:00"))
    response = world.client.get(f"/api/v1/makeup/available?profile_id={world.profile.pk}&redeem=true&page_size=50")
    order = ids(response.json()["data"]["items"])
    same_level = [pk for pk in order if pk not in (sooner.pk, s["lower"].pk)]
    assert order == same_level + [sooner.pk, s["lower"].pk]


def test_available_query_count_does_not_grow(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(8) as small:
        world.client.get(f"/api/v1/makeup/available?makeup_id={world.makeup_id}&page_size=100")
    baseline = len(small.captured_queries)
    for hour in range(30):
        ScheduleFactory(course=world.sessions["90"].course, starts_at=at("2026-12-10 08:00") + timedelta(hours=hour))
    with django_assert_max_num_queries(baseline):
        items = world.client.get(f"/api/v1/makeup/available?makeup_id={world.makeup_id}&page_size=100").json()["data"]
    assert items["count"] == 34


def test_the_search_pages_in_the_database_and_never_loads_every_candidate(world):
    """Issue 19: the candidates are counted and sliced in SQL (the page's LIMIT), not all read into
    Python first; the answer is the same page, in the same order, with the same count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for hour in range(30):
        ScheduleFactory(course=world.sessions["90"].course, starts_at=at("2026-12-10 08:00") + timedelta(hours=hour))
    url = f"/api/v1/makeup/available?makeup_id={world.makeup_id}&page_size=5"
    with CaptureQueriesContext(connection) as queries:
        first = world.client.get(url).json()["data"]
    assert first["count"] == 34 and len(first["items"]) == 5
    schedule_reads = [q["sql"] for q in queries.captured_queries if 'FROM "courses_courseschedule"' in q["sql"]]
    unbounded = [sql for sql in schedule_reads if "LIMIT" not in sql and "COUNT(" not in sql and "MIN(" not in sql]
    assert [sql for sql in unbounded if " IN (" not in sql] == []  # only the page's own ids are read whole
    second = world.client.get(url + "&page=2").json()["data"]["items"]
    everything = world.client.get(url.replace("page_size=5", "page_size=100")).json()["data"]["items"]
    assert [item["id"] for item in first["items"] + second] == [item["id"] for item in everything[:10]]
