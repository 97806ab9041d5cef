"""Reads of accounts: a caller sees only their own children's profiles."""

from django.db.models import QuerySet

from accounts import messages
from accounts.models import Profile, User
from core.errors import BusinessError


def profiles_of(*, user: User) -> QuerySet[Profile]:
    return Profile.objects.filter(owner=user).order_by("id")


def profile_of_owner(*, user: User, profile_id: int) -> Profile:
    """The caller's profile, or 404 档案不存在 (never reveals that another parent's exists)."""
    profile = Profile.objects.filter(pk=profile_id, owner=user).first()
    if profile is None:
        raise BusinessError.not_found(messages.PROFILE_NOT_FOUND)
    return profile
