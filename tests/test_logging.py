"""Logging: text or JSON lines, and a redaction filter that keeps tokens, keys and secrets out of the logs."""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.conftest import data_of, error_of
from wheeld.app import Container
from wheeld.clock import FrozenClock
from wheeld.http.app import create_app
from wheeld.http.middlewares import AccessLogger
from wheeld.logs import REDACTED, RedactingFilter, set_level, setup_logging

SECRET = "registered-secret-9f8e7d"
log = logging.getLogger("wheeld.test_logging")


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """Where setup_logging writes; the root logger is restored afterwards."""
    root = logging.getLogger()
    level = root.level
    yield tmp_path / "logs" / "wheeld.log"
    for handler in list(root.handlers):
        if getattr(handler, "_wheeld", False):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def read(path: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def json_lines(path: Path) -> list[dict[str, Any]]:
    lines = read(path).splitlines()
    assert lines
    return [json.loads(line) for line in lines]


# --- the filter, record by record ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "args", "leaked"),
    [
        ("token is %s", (SECRET,), SECRET),
        (f"key {SECRET} in the message itself", (), SECRET),
        ("calling with %r", ({"headers": {"x": SECRET}},), SECRET),
        ("Authorization: Bearer abcDEF123456.xyz", (), "abcDEF123456.xyz"),
        ("sent %s", ("bearer abcdef123456",), "abcdef123456"),
        ('body {"access_token": "eyJhbGciOiJIUzI1NiJ9.payload", "expires_in": 1800}', (), "eyJhbGciOiJIUzI1NiJ9"),
        ("body {'refresh_token': 'rt-0123456789'}", (), "rt-0123456789"),
        ("GET https://finnhub.io/api/v1/quote?symbol=AAPL&api_key=fk123456abc&x=1", (), "fk123456abc"),
        ("GET /quote?token=c123456789abc", (), "c123456789abc"),
        ("app_secret: sch-secret-000111", (), "sch-secret-000111"),
        ("APP_KEY=AbCdEf123456", (), "AbCdEf123456"),
        ("client_secret = 'cs-9999999'", (), "cs-9999999"),
        ("password=hunter2hunter2", (), "hunter2hunter2"),
    ],
)
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_messages_and_args_are_redacted(
    log_file: Path, fmt: str, message: str, args: tuple[Any, ...], leaked: str
) -> None:
    setup_logging("DEBUG", fmt, [SECRET], log_file=str(log_file))
    log.info(message, *args)
    text = read(log_file)
    assert leaked not in text
    assert REDACTED in text


def test_ordinary_text_is_left_alone(log_file: Path) -> None:
    setup_logging("DEBUG", "text", [SECRET], log_file=str(log_file))
    log.info("portfolio %s created with %d wheels; token_file=%s", "Income", 3, "schwab_token.enc")
    assert "portfolio Income created with 3 wheels; token_file=schwab_token.enc" in read(log_file)
    assert REDACTED not in read(log_file)


def test_short_values_are_not_registered() -> None:
    redactor = RedactingFilter(["", "abc", "abcd"])
    assert redactor.redact("abc abcd") == f"abc {REDACTED}"


def test_secrets_registered_later_are_redacted(log_file: Path) -> None:
    redactor = setup_logging("INFO", "text", [], log_file=str(log_file))
    redactor.add_secrets(["late-secret-123"])
    log.info("value late-secret-123 here")
    assert "late-secret-123" not in read(log_file)


def _raise_with_secret() -> None:
    raise ValueError(f"upstream rejected key {SECRET} (api_key=fk-0987654321)")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_exception_text_is_redacted(log_file: Path, fmt: str) -> None:
    setup_logging("INFO", fmt, [SECRET], log_file=str(log_file))
    try:
        _raise_with_secret()
    except ValueError:
        log.exception("provider failed")
    text = read(log_file)
    assert SECRET not in text and "fk-0987654321" not in text
    assert "ValueError" in text and "_raise_with_secret" in text  # the traceback itself is kept
    if fmt == "json":
        (record,) = json_lines(log_file)
        assert "Traceback" in record["exc_info"] and REDACTED in record["exc_info"]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_extra_fields_are_redacted(log_file: Path, fmt: str) -> None:
    setup_logging("INFO", fmt, [SECRET], log_file=str(log_file))
    caller_headers = {"Authorization": "Bearer hdr-token-123456", "Accept": "application/json"}
    log.info(
        "request sent",
        extra={"upstream_key": SECRET, "headers": caller_headers, "attempts": [f"key={SECRET}"], "status": 401},
    )
    text = read(log_file)
    assert SECRET not in text and "hdr-token-123456" not in text
    assert caller_headers["Authorization"] == "Bearer hdr-token-123456"  # the caller's dict is not touched
    if fmt == "json":
        (record,) = json_lines(log_file)
        assert record["upstream_key"] == REDACTED
        assert record["headers"] == {"Authorization": REDACTED, "Accept": "application/json"}
        assert record["attempts"] == [f"key={REDACTED}"]
        assert record["status"] == 401


def test_secret_named_keys_of_logged_mappings_are_redacted(log_file: Path) -> None:
    setup_logging("INFO", "json", [], log_file=str(log_file))
    log.info("quote", extra={"params": {"symbol": "AAPL", "api_key": "fk-unregistered-1", "X-Api-Key": "x"}})
    log.info({"event": "token refreshed", "access_token": "at-unregistered-2", "expires_in": 1800})
    first, second = json_lines(log_file)
    assert first["params"] == {"symbol": "AAPL", "api_key": REDACTED, "X-Api-Key": REDACTED}
    # A dict message stays structured (fields), minus its secrets.
    assert second["event"] == "token refreshed" and second["access_token"] == REDACTED
    assert second["expires_in"] == 1800


def test_stack_info_is_redacted(log_file: Path) -> None:
    setup_logging("INFO", "text", [SECRET], log_file=str(log_file))
    log.info("where am I", stack_info=True)  # registered-secret-9f8e7d (shown in the stack's source line)
    text = read(log_file)
    assert "Stack (most recent call last)" in text and "where am I" in text
    assert REDACTED in text  # the source line in the stack carried it
    assert SECRET not in text


def test_broken_format_string_does_not_leak_to_stderr(log_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("INFO", "text", [SECRET], log_file=str(log_file))
    # Only our handler (pytest's own capture handler would raise on the bad format first).
    (ours,) = [h for h in logging.getLogger().handlers if getattr(h, "_wheeld", False)]
    private = logging.getLogger("wheeld.test_logging.private")
    private.propagate = False
    private.addHandler(ours)
    try:
        private.warning("two %s %s but one arg", SECRET)
    finally:
        private.removeHandler(ours)
    assert SECRET not in capsys.readouterr().err
    text = read(log_file)
    assert "two %s %s but one arg" in text and SECRET not in text


def test_json_format_is_one_object_per_line(log_file: Path) -> None:
    setup_logging("DEBUG", "json", [], log_file=str(log_file))
    log.debug("first")
    log.warning('second\nwith a newline and a quote " and ünïcode')
    try:
        _raise_with_secret()
    except ValueError:
        log.exception("third")
    log.info({"event": "dict message", "n": 1})
    records = json_lines(log_file)
    assert len(records) == 4
    assert [r["level"] for r in records] == ["DEBUG", "WARNING", "ERROR", "INFO"]
    assert records[0]["message"] == "first" and records[0]["name"] == "wheeld.test_logging"
    assert records[1]["message"] == 'second\nwith a newline and a quote " and ünïcode'
    assert "Traceback" in records[2]["exc_info"]
    assert all("asctime" in r for r in records)


def test_text_format_and_levels(log_file: Path) -> None:
    setup_logging("WARNING", "text", [], log_file=str(log_file))
    log.info("hidden")
    log.warning("shown")
    set_level("DEBUG")
    log.debug("now shown")
    lines = read(log_file).splitlines()
    assert len(lines) == 2
    assert " WARNING wheeld.test_logging: shown" in lines[0]
    assert " DEBUG wheeld.test_logging: now shown" in lines[1]


def test_setup_logging_replaces_its_own_handler(log_file: Path) -> None:
    setup_logging("INFO", "text", [], log_file=str(log_file))
    setup_logging("INFO", "json", [], log_file=str(log_file))
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_wheeld", False)]
    assert len(ours) == 1


# --- a whole request cycle -----------------------------------------------------------------------------

TOKEN = "api-token-5ac3b1e0d9"
NEW_FINNHUB = "finnhub-key-77aa66bb"
NEW_SCHWAB_SECRET = "schwab-secret-31415926"


@pytest.mark.parametrize("fmt", ["text", "json"])
async def test_no_secret_reaches_the_log_in_a_request_cycle(
    log_file: Path,
    fmt: str,
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    make_config,
    clock: FrozenClock,
) -> None:
    config = make_config(server__api_token=TOKEN, server__log_level="DEBUG")
    redactor = setup_logging("DEBUG", fmt, config.secrets(), log_file=str(log_file))
    container = Container.build(config, clock, redactor=redactor)

    async def leaky(request: web.Request) -> web.Response:
        # A library that puts what it was given into its exception message.
        raise RuntimeError(f"provider refused {NEW_FINNHUB} and {NEW_SCHWAB_SECRET} (auth {TOKEN})")

    app = create_app(container)
    app.router.add_get("/api/v1/test-leaky", leaky, allow_head=False)
    server = TestServer(app)
    # The daemon's own access logger (aiohttp_client would start the server with aiohttp's default).
    await server.start_server(access_log_class=AccessLogger, access_log=logging.getLogger("wheeld.access"))
    client = await aiohttp_client(server)
    auth = {"Authorization": f"Bearer {TOKEN}", "X-Request-ID": "cycle-1"}

    await data_of(await client.get("/api/v1/health"))
    await error_of(await client.get("/api/v1/portfolios"), 401, "UNAUTHORIZED")
    await data_of(await client.post("/api/v1/portfolios", json={"name": "Income"}, headers=auth), 201)
    update = {"external_apis": {"finnhub": {"api_key": NEW_FINNHUB}, "schwab": {"app_secret": NEW_SCHWAB_SECRET}}}
    result = await data_of(await client.put("/api/v1/config", json=update, headers=auth))
    assert result["changed"] == ["external_apis.finnhub.api_key", "external_apis.schwab.app_secret"]
    await data_of(await client.get("/api/v1/config", headers=auth))
    await error_of(await client.get("/api/v1/test-leaky", headers=auth), 500, "INTERNAL_ERROR")
    log.info("effective config: %s", dict(container.config))  # an accidental dump must not leak either
    logging.getLogger("wheeld.access").info("headers %s", dict(auth))

    text = read(log_file)
    for secret in (TOKEN, NEW_FINNHUB, NEW_SCHWAB_SECRET):
        assert secret not in text, secret
    assert REDACTED in text
    assert "rid=cycle-1" in text  # access lines carry the request id
    assert "unexpected error on GET /api/v1/test-leaky (request cycle-1)" in text
    if fmt == "json":
        for record in json_lines(log_file):
            assert {"asctime", "level", "name", "message"} <= set(record)


def test_log_file_rotates_by_size_and_count_and_stays_private(log_file: Path) -> None:
    """server.log_max_bytes / server.log_backup_count: bounded files, the oldest dropped, mode 0600."""
    previous = os.umask(0)  # the worst case: nothing masked
    try:
        setup_logging("INFO", "text", [SECRET], log_file=str(log_file), max_bytes=2_000, backup_count=2)
        for n in range(100):
            log.info("line %03d %s", n, "x" * 60)
    finally:
        os.umask(previous)
    files = sorted(log_file.parent.iterdir())
    assert [f.name for f in files] == ["wheeld.log", "wheeld.log.1", "wheeld.log.2"]
    assert all(f.stat().st_size <= 2_000 and stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert stat.S_IMODE(log_file.parent.stat().st_mode) == 0o700
    assert "line 099" in read(log_file) and "line 000" not in "".join(f.read_text() for f in files)
