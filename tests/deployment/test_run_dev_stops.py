"""`make run` (bin/run-dev) stops cleanly: Ctrl-C (SIGINT to the terminal's foreground group) or
SIGTERM stops web, worker and beat, every process of the session, within 15 seconds.

It runs on a throwaway SQLite database and broker folder, with the embedded defaults otherwise.
"""

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.deployment.processes import LEAKY, ROOT

# Real processes, ten starts and stops (about 3 minutes): once per CI run, in its second pass (the
# `redis` marker keeps it there; run-dev itself uses the embedded defaults, no Redis).
pytestmark = [pytest.mark.integration, pytest.mark.redis]
ROUNDS = 5  # per signal: ten stops in a row must all be clean

STOP_WITHIN = 15.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def session_processes(session_id: int) -> list[tuple[int, str]]:
    """Every live process of a session (setsid at the start), with its command line."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            if fields[0] == "Z":  # a zombie has exited; its parent has not reaped it yet
                continue
            if int(fields[3]) == session_id:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                found.append((int(entry.name), cmdline.strip()))
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return found


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def dev_env(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("run-dev")
    env = {key: value for key, value in os.environ.items() if not key.startswith(LEAKY)}
    env.update({"DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}", "VAR_DIR": str(tmp / "var")})
    return env


@pytest.mark.parametrize("round_", range(ROUNDS))
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "term"])
def test_run_dev_stops_every_process_within_15_seconds(dev_env, signum, round_):
    port = free_port()
    run = subprocess.Popen(
        [str(ROOT / "bin" / "run-dev")],
        cwd=ROOT,
        env={**dev_env, "PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own session and group, as a terminal gives it
    )
    try:
        deadline = time.monotonic() + 180
        while not healthy(port):
            assert run.poll() is None, run.stdout.read().decode(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "run-dev did not answer /healthz in 180 s"
            time.sleep(0.5)
        # The worker and beat are up too: the session has web (and its reloader), worker, beat, prefixers.
        names = " ".join(cmd for _, cmd in session_processes(run.pid))
        assert "runserver" in names and "worker" in names and "beat" in names, names
        time.sleep(2)  # let the worker finish starting: a stop mid-start is the hardest case

        os.killpg(run.pid, signum)  # Ctrl-C reaches the terminal's foreground group: bin/run-dev itself
        stopped = time.monotonic() + STOP_WITHIN
        while session_processes(run.pid) and time.monotonic() < stopped:
            time.sleep(0.1)
        left = session_processes(run.pid)
        assert left == [], f"still running {STOP_WITHIN} s after {signum.name}: {left}"
        assert run.wait(timeout=1) is not None
        output = run.stdout.read().decode(errors="replace")
        assert "Stopping web, worker and beat" in output
    finally:
        for pid, _ in session_processes(run.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
