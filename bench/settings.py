"""Production settings with the benchmark's ceiling endpoints mounted (bench/load.py only)."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
