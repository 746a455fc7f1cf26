"""`sim view` where no window can open says so in one line and exits, instead of hanging."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from viewer.app import check_display

SIM = "from sim.cli.app import main; main()"
DISPLAY_VARS = ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")


def sim_view(db: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`sim view DB` in a fresh process with no display variables except `env`."""
    clean = {k: v for k, v in os.environ.items() if k not in DISPLAY_VARS} | env
    return subprocess.run(
        [sys.executable, "-c", SIM, "view", str(db)],
        capture_output=True,
        text=True,
        env=clean,
        timeout=120,
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland variables")
def test_no_display_is_one_line_pointing_to_screenshot(run_db: Path) -> None:
    done = sim_view(run_db)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--screenshot" in lines[0] and "display" in lines[0], lines


def test_a_video_driver_without_windows_is_one_line(run_db: Path) -> None:
    done = sim_view(run_db, SDL_VIDEODRIVER="dummy")
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "'dummy'" in lines[0] and "--screenshot" in lines[0], lines


def test_an_unreachable_x_display_fails_instead_of_falling_back() -> None:
    env = {"DISPLAY": ":99"}
    check_display(env, "linux")
    assert env["SDL_VIDEODRIVER"] == "x11"  # SDL then fails on it rather than going headless
    both = {"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}
    check_display(both, "linux")
    assert "SDL_VIDEODRIVER" not in both  # SDL picks between the two
    check_display({}, "darwin")  # macOS and Windows always have a display to try
