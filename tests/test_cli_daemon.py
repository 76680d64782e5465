"""`wheeld serve` refuses a database it cannot own with one clear line and exit 1, never a traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from wheeld.cli_daemon import main, resolve_in


def test_serve_refuses_a_foreign_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    data.mkdir()
    conn = sqlite3.connect(data / "wheeld.db")
    conn.execute("CREATE TABLE wheels (id INTEGER PRIMARY KEY, symbol TEXT UNIQUE)")
    conn.commit()
    conn.close()
    assert main(["serve", "--data-dir", str(data), "--port", "1"]) == 1
    err = capsys.readouterr().err
    assert "migrate-legacy" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("given", "expected"), [("", ""), ("/var/log/w.log", "/var/log/w.log"), ("logs/w.log", "/data/logs/w.log")]
)
def test_relative_paths_live_in_the_data_dir(given: str, expected: str) -> None:
    assert resolve_in(Path("/data"), given) == expected
