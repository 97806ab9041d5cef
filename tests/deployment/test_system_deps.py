"""bin/install-system-deps: `make run` asks only for what running needs; the browser tests' Chromium
and font and the monitoring tests' Prometheus come with --test (`make test`, CI). Without root, each
missing package is one clear line saying how to install it."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deployment.processes import ROOT

SCRIPT = ROOT / "bin" / "install-system-deps"


def fake_machine(tmp_path: Path, *, present: set[str]) -> dict:
    """A PATH with only grep and the tools named in `present`: pkg-config (which finds the MariaDB
    headers if "headers" is present too), chromium, fc-list listing a CJK font ("font"), prometheus
    and promtool ("prometheus"); `id` says a normal user."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "grep").symlink_to(shutil.which("grep"))
    tools = {"id": "echo 1000", "fc-list": "echo 'WenQuanYi Micro Hei'" if "font" in present else "true"}
    if "pkg-config" in present:
        tools["pkg-config"] = "exit 0" if "headers" in present else "exit 1"
    if "chromium" in present:
        tools["chromium"] = "exit 0"
    if "prometheus" in present:
        tools["prometheus"] = tools["promtool"] = "exit 0"
    for name, body in tools.items():
        path = bin_dir / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)
    return {"PATH": str(bin_dir), "HOME": os.environ.get("HOME", "/tmp")}


def run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [shutil.which("bash"), str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=30
    )


def test_running_needs_only_the_driver_headers(tmp_path):
    result = run(fake_machine(tmp_path, present=set()))  # no pkg-config, no headers, no browser
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert [line.split()[3] for line in lines] == ["pkg-config", "libmariadb-dev"]
    assert lines[1].endswith(": sudo apt-get install libmariadb-dev")
    assert "chromium" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize("flag", ["--test", "--browser"])
def test_the_tests_add_chromium_a_chinese_font_and_prometheus(tmp_path, flag):
    result = run(fake_machine(tmp_path, present={"pkg-config", "headers"}), flag)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "Missing Debian package chromium (the browser the admin's browser tests drive (tests/e2e)): "
        "sudo apt-get install chromium",
        "Missing Debian package fonts-wqy-microhei (a Chinese font, so that the browser tests' screenshots "
        "show the admin's text): sudo apt-get install fonts-wqy-microhei",
        "Missing Debian package prometheus (promtool tests the alert rules; the monitoring tests scrape /metrics "
        "with a real Prometheus): sudo apt-get install prometheus",
    ]


@pytest.mark.parametrize("args", [(), ("--test",)])
def test_nothing_to_do_when_everything_is_there(tmp_path, args):
    result = run(fake_machine(tmp_path, present={"pkg-config", "headers", "chromium", "font", "prometheus"}), *args)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_an_unknown_argument_is_refused(tmp_path):
    result = run(fake_machine(tmp_path, present=set()), "--everything")
    assert result.returncode == 2 and "usage" in result.stderr
