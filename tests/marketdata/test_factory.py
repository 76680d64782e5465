"""build_market_data: provider names to wired services."""

from pathlib import Path

import pytest

from wheeld.marketdata.factory import SchwabSettings, build_market_data
from wheeld.marketdata.finnhub import FinnhubProvider
from wheeld.marketdata.schwab import SchwabProvider
from wheeld.marketdata.service import CacheTTLs
from wheeld.marketdata.simulated import SimulatedProvider


async def test_simulated_is_the_offline_default(clock, xnys):
    market = build_market_data("simulated", clock, xnys, ttls=CacheTTLs(quotes=10))
    assert isinstance(market.provider, SimulatedProvider)
    assert market.simulated and market.source == "simulated"
    assert market.fallback is None
    assert market.ttls.quotes == 10
    await market.close()


async def test_schwab_with_finnhub_fallback(clock, xnys, tmp_path: Path):
    settings = SchwabSettings(api_key="APP-KEY", app_secret="APP-SECRET")
    market = build_market_data("Schwab", clock, xnys, schwab=settings, finnhub_api_key="FH", data_dir=tmp_path)
    assert isinstance(market.provider, SchwabProvider)
    assert isinstance(market.fallback, FinnhubProvider)
    assert market.events_provider is market.fallback
    assert not market.simulated
    health = market.health()
    assert health["status"] == "down"  # no token yet: `wheeld auth schwab` has not run
    assert "wheeld auth schwab" in health["detail"]
    assert "APP-SECRET" not in repr(settings) and "APP-KEY" not in repr(settings)
    assert "APP-SECRET" not in repr(market.provider)
    await market.close()


async def test_schwab_alone(clock, tmp_path):
    market = build_market_data("schwab", clock, schwab=SchwabSettings("K", "S"), data_dir=tmp_path)
    assert market.fallback is None and market.events_provider is market.provider
    await market.close()


async def test_finnhub_alone(clock):
    market = build_market_data("finnhub", clock, finnhub_api_key="FH")
    assert isinstance(market.provider, FinnhubProvider)
    await market.close()


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        ("bloomberg", {}, "unknown market data provider 'bloomberg'"),
        ("schwab", {}, "needs Schwab settings"),
        ("finnhub", {}, "needs a Finnhub API key"),
        ("schwab", {"schwab": SchwabSettings("K", "S")}, "needs data_dir"),
    ],
)
def test_unusable_choices_are_refused(clock, name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_market_data(name, clock, **kwargs)
