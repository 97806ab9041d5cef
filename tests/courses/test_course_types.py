"""GET course-types: the class list's type filter (code and name), only types that have courses."""

import pytest

from tests.factories import CourseFactory, CourseTypeFactory

pytestmark = pytest.mark.django_db


def test_types_with_courses_are_listed_by_code(parent_client):
    vip = CourseTypeFactory(code="vip", name="VIP小班")
    CourseFactory(course_type=vip)
    CourseFactory(course_type=vip)
    CourseFactory()  # regular 常规班
    CourseTypeFactory(code="camp", name="夏令营")  # no course yet: nothing to filter by

    response = parent_client.get("/api/v1/course-types")

    assert response.status_code == 200
    assert response.json()["data"] == {
        "items": [{"code": "regular", "name": "常规班"}, {"code": "vip", "name": "VIP小班"}]
    }


def test_a_type_filters_the_class_list(parent_client):
    from tests.factories import ScheduleFactory

    vip = ScheduleFactory(course=CourseFactory(course_type=CourseTypeFactory(code="vip", name="VIP小班")))
    ScheduleFactory()
    codes = [row["code"] for row in parent_client.get("/api/v1/course-types").json()["data"]["items"]]
    listed = parent_client.get("/api/v1/schedules", {"course_type": codes[1]}).json()["data"]["items"]
    assert [row["id"] for row in listed] == [vip.pk]
