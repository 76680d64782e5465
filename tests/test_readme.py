"""The README's walk-throughs, followed top to bottom against a fresh daemon: the curl one, then the CLI
one (same data directory, same order as a reader goes). Nothing answers an error, nothing collides."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.daemon_process import Daemon, clean_environ

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
WHEEL = Path(sys.executable).with_name("wheel")


def curl_walkthrough() -> str:
    section = README.split("### A wheel cycle with curl", 1)[1]
    return section.split("```sh\n", 1)[1].split("```", 1)[0]


def cli_walkthrough() -> list[str]:
    section = README.split("## The wheel CLI", 1)[1]
    block = section.split("\n```\n", 1)[1].split("```", 1)[0]
    return [line[2:].split("  #")[0].strip() for line in block.splitlines() if line.startswith("$ ")]


@pytest.mark.skipif(shutil.which("curl") is None or shutil.which("jq") is None, reason="needs curl and jq")
def test_readme_walkthroughs_in_order(tmp_path: Path) -> None:
    daemon = Daemon(tmp_path)
    daemon.start()
    base = f"http://127.0.0.1:{daemon.port}"
    environ = clean_environ(daemon.home, {"WHEEL_API_URL": base, "PATH": f"{WHEEL.parent}:/usr/bin:/bin"})
    try:
        script = curl_walkthrough().replace("http://127.0.0.1:8000", base)
        # one answer per line of output (curl -s ends none with a newline)
        script = 'curl() { command curl "$@"; echo; }\n' + script
        curl = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=environ, capture_output=True, text=True)
        assert curl.returncode == 0, curl.stderr
        answers = [json.loads(line) for line in curl.stdout.splitlines() if line.startswith("{")]
        assert len(answers) >= 12
        assert [a["error"] for a in answers if "error" in a] == []
        assert list(tmp_path.glob("wheeld-trades-*.csv"))  # the CSV export landed with its filename
        ran = []
        for line in cli_walkthrough():
            done = subprocess.run(
                ["bash", "-o", "pipefail", "-c", line], cwd=tmp_path, env=environ, capture_output=True, text=True
            )
            ran.append((line, done.returncode, done.stderr))
    finally:
        daemon.stop(signal.SIGTERM)
    assert [(line, code, err) for line, code, err in ran if code != 0] == []
    assert len(ran) == 8 and not any("CONFLICT" in err for _, _, err in ran)
