"""A benchmark's own MariaDB database, made for one run and dropped at its end whatever happens."""

import subprocess
from collections.abc import Callable


def mariadb(sql: str, check: bool = True) -> None:
    subprocess.run(["mariadb", "-uroot", "-h127.0.0.1", "-e", sql], check=check)


def on_scratch_database(name: str, run: Callable[[], None]) -> None:
    """Runs `run` on a fresh database `name` (the caller's DATABASE_URL points at it)."""
    mariadb(f"DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name} CHARACTER SET utf8mb4")
    try:
        run()
    finally:
        mariadb(f"DROP DATABASE IF EXISTS {name}", check=False)
