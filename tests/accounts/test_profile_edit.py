"""PATCH profiles/{id} (API.md): the parent corrects a child's name, level or birth date; another
parent's child is 404 and unchanged; bad input is 400 and writes nothing."""

import pytest

from accounts.models import Profile

pytestmark = pytest.mark.django_db


def patch(client, profile_id, body):
    return client.patch(f"/api/v1/profiles/{profile_id}", body, format="json")


def test_the_owner_changes_name_level_and_birth_date(parent_client, profile):
    response = patch(parent_client, profile.pk, {"name": "乐乐", "level": 3, "birth_date": "2019-05-01"})
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "已更新乐乐的档案"
    assert body["data"] == {"id": profile.pk, "name": "乐乐", "level": 3, "birth_date": "2019-05-01"}
    profile.refresh_from_db()
    assert (profile.name, profile.level, str(profile.birth_date)) == ("乐乐", 3, "2019-05-01")


def test_only_the_fields_given_change(parent_client, profile):
    before = Profile.objects.get(pk=profile.pk)
    assert patch(parent_client, profile.pk, {"level": before.level + 1}).status_code == 200
    profile.refresh_from_db()
    assert profile.name == before.name and profile.birth_date == before.birth_date
    assert profile.level == before.level + 1


def test_the_birth_date_can_be_cleared(parent_client, profile):
    patch(parent_client, profile.pk, {"birth_date": "2019-05-01"})
    assert patch(parent_client, profile.pk, {"birth_date": None}).status_code == 200
    profile.refresh_from_db()
    assert profile.birth_date is None


def test_another_parents_child_is_404_and_unchanged(parent_client, other_profile):
    name = other_profile.name
    response = patch(parent_client, other_profile.pk, {"name": "改名"})
    assert response.status_code == 404
    assert response.json()["message"] == "档案不存在"
    other_profile.refresh_from_db()
    assert other_profile.name == name


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "x" * 65},
        {"level": 0},
        {"level": 21},
        {"level": "三"},
        {"birth_date": "yesterday"},
        {"name": "好名字", "level": 0},  # one bad field: nothing of the body is written
    ],
)
def test_bad_input_is_400_and_writes_nothing(parent_client, profile, body):
    before = Profile.objects.filter(pk=profile.pk).values("name", "level", "birth_date").get()
    response = patch(parent_client, profile.pk, body)
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert Profile.objects.filter(pk=profile.pk).values("name", "level", "birth_date").get() == before


def test_a_profile_cannot_be_read_or_deleted_one_by_one(parent_client, profile):
    assert parent_client.get(f"/api/v1/profiles/{profile.pk}").status_code == 405
    assert parent_client.delete(f"/api/v1/profiles/{profile.pk}").status_code == 405
    assert Profile.objects.filter(pk=profile.pk).exists()
