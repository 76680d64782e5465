"""Builds the MarketData service for a provider name: simulated, schwab or finnhub.

| name | quotes | chains, history | earnings | dividends |
|---|---|---|---|---|
| simulated | simulated | simulated | simulated | simulated |
| schwab | schwab (finnhub fallback if keyed) | schwab | finnhub if keyed, else none | schwab |
| finnhub | finnhub | not available (502) | finnhub | finnhub (if in plan) |
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import httpx

from wheeld.clock import Clock
from wheeld.market_calendar import TradingCalendar
from wheeld.marketdata.base import MarketDataProvider
from wheeld.marketdata.finnhub import FinnhubProvider
from wheeld.marketdata.resilience import RetryPolicy
from wheeld.marketdata.schwab import SchwabProvider
from wheeld.marketdata.service import CacheTTLs, MarketData
from wheeld.marketdata.simulated import SimulatedProvider
from wheeld.marketdata.token_store import DEFAULT_KEY_ENV, EncryptedTokenStore, TokenKey

PROVIDERS = ("simulated", "schwab", "finnhub")
TOKEN_FILE = "schwab_token.enc"
KEY_FILE = "token.key"


@dataclass(frozen=True)
class SchwabSettings:
    """Schwab app credentials and where the encrypted token and its key live."""

    api_key: str = field(repr=False)
    app_secret: str = field(repr=False)
    callback_url: str = "https://127.0.0.1:8182"
    token_path: Path | None = None
    key_env: str | None = DEFAULT_KEY_ENV
    key_file: Path | None = None

    def token_store(self, data_dir: Path | None) -> EncryptedTokenStore:
        """The encrypted token store these settings name (defaults inside `data_dir`)."""
        token_path = self.token_path or _in_data_dir(data_dir, TOKEN_FILE)
        key_file = self.key_file or _in_data_dir(data_dir, KEY_FILE)
        return EncryptedTokenStore(token_path, TokenKey(env_var=self.key_env, key_file=key_file))


def _in_data_dir(data_dir: Path | None, name: str) -> Path:
    if data_dir is None:
        raise ValueError(f"schwab needs data_dir (or an explicit path) for {name}")
    return Path(data_dir) / name


def build_market_data(
    provider_name: str,
    clock: Clock,
    calendar: TradingCalendar | None = None,
    *,
    schwab: SchwabSettings | None = None,
    finnhub_api_key: str | None = None,
    ttls: CacheTTLs | None = None,
    retry: RetryPolicy | None = None,
    failure_threshold: int = 5,
    cooldown: float = 60.0,
    data_dir: Path | None = None,
    rate: float = 0.04,
    schwab_transport: httpx.AsyncBaseTransport | None = None,
    finnhub_api_url: str | None = None,
) -> MarketData:
    """The MarketData service for `provider_name` (see the module table); ValueError if unusable."""
    name = provider_name.strip().lower()
    finnhub: FinnhubProvider | None = None
    if finnhub_api_key and name in ("schwab", "finnhub"):
        finnhub = FinnhubProvider(finnhub_api_key, clock, api_url=finnhub_api_url)
    primary: MarketDataProvider
    fallback: MarketDataProvider | None = None
    events: MarketDataProvider | None = None
    if name == "simulated":
        primary = SimulatedProvider(clock, calendar, rate)
    elif name == "schwab":
        if schwab is None:
            raise ValueError("market data provider 'schwab' needs Schwab settings (app key, secret)")
        primary = SchwabProvider(
            schwab.api_key,
            schwab.app_secret,
            schwab.token_store(data_dir),
            clock,
            transport=schwab_transport,
        )
        fallback = finnhub
        events = finnhub
    elif name == "finnhub":
        if finnhub is None:
            raise ValueError("market data provider 'finnhub' needs a Finnhub API key")
        primary = finnhub
    else:
        raise ValueError(f"unknown market data provider {provider_name!r}: choose one of {', '.join(PROVIDERS)}")
    return MarketData(
        primary,
        clock,
        fallback=fallback,
        events_provider=events,
        ttls=ttls,
        retry=retry,
        failure_threshold=failure_threshold,
        cooldown=cooldown,
        calendar=calendar,
    )
