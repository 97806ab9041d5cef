"""Development: `make run` on embedded defaults (SQLite, filesystem broker, console notifications)."""

from .base import *  # noqa: F403
from .base import env, env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env("DJANGO_SECRET_KEY", "dev-only-insecure-key-never-used-in-production")

# The dev login is not throttled: logging in the eight demo parents from a script must not meet 429.
THROTTLE_RATES = {**THROTTLE_RATES, "login": None}  # noqa: F405
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": THROTTLE_RATES}  # noqa: F405
