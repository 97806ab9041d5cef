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


def profile_of_owner_or_only(*, user: User, profile_id: int | None) -> Profile | None:
    """For endpoints whose profile_id is optional: the caller's profile when one is given (404 as
    `profile_of_owner`), else the only child of a parent who has exactly one, else None (no child or
    several: the answer is about no profile in particular)."""
    if profile_id is not None:
        return profile_of_owner(user=user, profile_id=profile_id)
    profiles = list(profiles_of(user=user)[:2])
    return profiles[0] if len(profiles) == 1 else None
