"""Schwab market data through schwab-py's async client, with the OAuth token encrypted at rest.

Maps Schwab's JSON (quotes, option chains, daily price history, dividend fundamentals) to our
models and its failures to ProviderError. `run_login_flow` backs `wheeld auth schwab`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import warnings
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from wheeld.clock import NEW_YORK, Clock
from wheeld.marketdata.base import (
    MarketDataProvider,
    NotSupported,
    ProviderError,
    retry_after_seconds,
    status_error,
)
from wheeld.marketdata.models import (
    Direction,
    DividendEvent,
    EarningsEvent,
    OptionChain,
    OptionContract,
    PriceBar,
    Quote,
)
from wheeld.marketdata.token_store import EncryptedTokenStore, TokenStoreError

with warnings.catch_warnings():
    # authlib 1.9 installs an "always" filter for its own deprecation notices, then warns that it
    # falls back to plain httpx (schwab-py's HTTP stack) when httpx2 is absent: silence just that.
    import authlib.deprecate  # noqa: F401

    warnings.filterwarnings("ignore", message="The httpx module is deprecated", category=DeprecationWarning)
    import schwab
    from authlib.common.errors import AuthlibBaseError
    from authlib.integrations.httpx_client import AsyncOAuth2Client
    from schwab.client import AsyncClient

SOURCE = "schwab"
# Schwab documents refresh tokens as valid for 7 days from the login flow.
REFRESH_TOKEN_LIFETIME = 7 * 24 * 3600.0
REFRESH_TOKEN_WARNING = 24 * 3600.0
MAX_SYMBOLS_PER_CALL = 500
# Schwab marks a greek or volatility it could not compute as -999.
_MISSING_SENTINEL = -999.0
_AUTH_HINT = "run `wheeld auth schwab`"

log = logging.getLogger(__name__)


def _token_writer(store: EncryptedTokenStore) -> Callable[..., None]:
    # schwab-py calls the writer with extra keyword arguments from authlib (refresh_token=...).
    def write(token: Mapping[str, Any], *args: Any, **kwargs: Any) -> None:
        store.write(token)

    return write


def open_schwab_client(
    api_key: str,
    app_secret: str,
    token_store: EncryptedTokenStore,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: float = 30.0,
) -> AsyncClient:
    """schwab-py's async client over the encrypted token; `transport` reroutes its HTTP (tests)."""
    client = schwab.auth.client_from_access_functions(
        api_key,
        app_secret,
        token_read_func=token_store.read,
        token_write_func=_token_writer(token_store),
        asyncio=True,
        enforce_enums=True,
    )
    if transport is not None:
        # schwab-py hard-codes https://api.schwabapi.com and builds its httpx session without a
        # transport argument, so rebuild that session with the same OAuth settings (public
        # attributes of authlib's client) over the given transport.
        old = client.session
        client.session = AsyncOAuth2Client(
            old.client_id,
            client_secret=old.client_secret,
            token=old.token,
            token_endpoint=old.metadata.get("token_endpoint"),
            update_token=old.update_token,
            leeway=old.leeway,
            transport=transport,
        )
    client.set_timeout(timeout)
    return client


def _number(value: Any) -> float | None:
    """A finite float from Schwab's JSON, or None for missing, NaN and the -999 sentinel."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number) or number == _MISSING_SENTINEL:
        return None
    return number


def _integer(value: Any) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def _price(value: Any) -> float | None:
    number = _number(value)
    return number if number is not None and number > 0 else None


def _from_millis(value: Any) -> datetime | None:
    millis = _number(value)
    if millis is None or millis <= 0:
        return None
    return datetime.fromtimestamp(millis / 1000.0, tz=UTC)


def _date_prefix(value: Any) -> date | None:
    """The date of Schwab's date-time text ('2026-11-13T00:00:00Z' or '2026-11-13 00:00:00.0')."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def parse_quotes(payload: Any, now: datetime) -> dict[str, Quote]:
    """Quotes from a /marketdata/v1/quotes answer (symbols without a usable price are left out)."""
    if not isinstance(payload, dict):
        raise ProviderError("schwab: quotes answer is not an object", transient=False)
    quotes: dict[str, Quote] = {}
    for key, entry in payload.items():
        if key == "errors" or not isinstance(entry, dict):
            continue
        body = entry.get("quote")
        if not isinstance(body, dict):
            continue
        regular = entry.get("regular") if isinstance(entry.get("regular"), dict) else {}
        price = (
            _price(body.get("lastPrice"))
            or _price(body.get("mark"))
            or _price(regular.get("regularMarketLastPrice"))
            or _price(body.get("closePrice"))
        )
        if price is None:
            continue
        # The answer is keyed by the symbol as requested, which is how callers look it up.
        symbol = str(key).upper()
        quotes[symbol] = Quote(
            symbol=symbol,
            price=price,
            bid=_price(body.get("bidPrice")),
            ask=_price(body.get("askPrice")),
            volume=_integer(body.get("totalVolume")),
            as_of=_from_millis(body.get("quoteTime")) or _from_millis(body.get("tradeTime")) or now,
            source=SOURCE,
            previous_close=_price(body.get("closePrice")),
        )
    return quotes


def _first(contract: Mapping[str, Any], *names: str) -> Any:
    # Schwab's live answers say bid/ask/last/mark; its published schema says bidPrice/askPrice/...
    for name in names:
        if contract.get(name) is not None:
            return contract[name]
    return None


def parse_contract(
    contract: Mapping[str, Any], direction: Direction, expiration: date, strike: float
) -> OptionContract:
    """One option from a chain's exp-date map."""
    bid = _number(_first(contract, "bid", "bidPrice"))
    ask = _number(_first(contract, "ask", "askPrice"))
    volatility = _number(contract.get("volatility"))
    return OptionContract(
        symbol=str(contract.get("symbol", "")),
        direction=direction,
        strike=_number(contract.get("strikePrice")) or strike,
        expiration=expiration,
        bid=bid if bid is not None and bid >= 0 else None,
        ask=ask if ask is not None and ask >= 0 else None,
        mark=_number(_first(contract, "mark", "markPrice")),
        last=_number(_first(contract, "last", "lastPrice")),
        delta=_number(contract.get("delta")),
        gamma=_number(contract.get("gamma")),
        theta=_number(contract.get("theta")),
        vega=_number(contract.get("vega")),
        # Schwab quotes volatility in percent; ours is a decimal.
        iv=volatility / 100.0 if volatility is not None and volatility > 0 else None,
        open_interest=_integer(contract.get("openInterest")),
        volume=_integer(contract.get("totalVolume")),
    )


def parse_chain(symbol: str, payload: Any, now: datetime) -> OptionChain:
    """An OptionChain from a /marketdata/v1/chains answer."""
    if not isinstance(payload, dict):
        raise ProviderError("schwab: chain answer is not an object", transient=False)
    if str(payload.get("status", "SUCCESS")).upper() == "FAILED":
        raise ProviderError(f"schwab: no option chain for {symbol}", transient=False, status=404)
    underlying = payload.get("underlying") if isinstance(payload.get("underlying"), dict) else {}
    spot = _price(payload.get("underlyingPrice")) or _price(underlying.get("last")) or _price(underlying.get("mark"))
    if spot is None:
        raise ProviderError(f"schwab: chain for {symbol} has no underlying price", transient=False)
    contracts: list[OptionContract] = []
    for map_name, direction in (("callExpDateMap", "call"), ("putExpDateMap", "put")):
        by_expiration = payload.get(map_name) or {}
        for expiration_key, by_strike in by_expiration.items():
            expiration = date.fromisoformat(expiration_key.split(":", 1)[0])
            for strike_key, listed in (by_strike or {}).items():
                for contract in listed or []:
                    contracts.append(parse_contract(contract, direction, expiration, float(strike_key)))
    contracts.sort(key=lambda c: (c.expiration, c.direction, c.strike))
    return OptionChain(
        symbol=str(payload.get("symbol") or symbol).upper(),
        underlying_price=spot,
        as_of=_from_millis(underlying.get("quoteTime")) or now,
        source=SOURCE,
        contracts=tuple(contracts),
    )


def parse_history(payload: Any) -> list[PriceBar]:
    """Daily bars from a /marketdata/v1/pricehistory answer, oldest first."""
    if not isinstance(payload, dict):
        raise ProviderError("schwab: price history answer is not an object", transient=False)
    bars: dict[date, PriceBar] = {}
    for candle in payload.get("candles") or []:
        moment = _from_millis(candle.get("datetime"))
        close = _number(candle.get("close"))
        if moment is None or close is None:
            continue
        # Daily candles are stamped at midnight Central time: the New York date is the session.
        day = moment.astimezone(NEW_YORK).date()
        bars[day] = PriceBar(
            day=day,
            open=_number(candle.get("open")) or close,
            high=_number(candle.get("high")) or close,
            low=_number(candle.get("low")) or close,
            close=close,
            volume=_integer(candle.get("volume")) or 0,
        )
    return [bars[day] for day in sorted(bars)]


def parse_dividends(payload: Any, start: date, end: date) -> list[DividendEvent]:
    """Last and next ex-dividend dates from the quotes answer's `fundamental` blocks."""
    if not isinstance(payload, dict):
        raise ProviderError("schwab: quotes answer is not an object", transient=False)
    events: dict[tuple[str, date], DividendEvent] = {}
    for key, entry in payload.items():
        if key == "errors" or not isinstance(entry, dict):
            continue
        fundamental = entry.get("fundamental")
        if not isinstance(fundamental, dict):
            continue
        amount = _price(fundamental.get("divPayAmount"))
        if amount is None:
            annual, frequency = _price(fundamental.get("divAmount")), _number(fundamental.get("divFreq"))
            amount = annual / frequency if annual and frequency else None
        if amount is None:
            continue
        # The answer is keyed by the symbol as requested, which is how callers look it up.
        symbol = str(key).upper()
        for field_name in ("divExDate", "nextDivExDate"):
            ex_date = _date_prefix(fundamental.get(field_name))
            if ex_date is not None and start <= ex_date <= end:
                events[(symbol, ex_date)] = DividendEvent(symbol, ex_date, amount, SOURCE)
    return sorted(events.values(), key=lambda e: (e.ex_date, e.symbol))


class SchwabProvider(MarketDataProvider):
    """Quotes, chains, history and dividend dates from Schwab's Market Data API."""

    name = "schwab"

    def __init__(
        self,
        api_key: str,
        app_secret: str,
        token_store: EncryptedTokenStore,
        clock: Clock,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        request_timeout: float = 30.0,
    ) -> None:
        self._api_key = api_key
        self._app_secret = app_secret
        self._token_store = token_store
        self._clock = clock
        self._transport = transport
        self._timeout = request_timeout
        self._client: AsyncClient | None = None
        self._opening = asyncio.Lock()

    def __repr__(self) -> str:
        return f"SchwabProvider(token_store={self._token_store!r})"

    async def _open(self) -> AsyncClient:
        # Opened on first use, so a missing token degrades health instead of stopping start-up.
        async with self._opening:
            if self._client is None:
                try:
                    self._client = open_schwab_client(
                        self._api_key,
                        self._app_secret,
                        self._token_store,
                        transport=self._transport,
                        timeout=self._timeout,
                    )
                except TokenStoreError as exc:
                    raise ProviderError(str(exc), transient=False, provider=self.name) from None
                except ValueError as exc:  # schwab-py's "token format has changed"
                    raise ProviderError(
                        f"schwab: unusable token ({exc}): run `wheeld auth schwab`",
                        transient=False,
                        provider=self.name,
                    ) from None
            return self._client

    async def _get_json(self, what: str, request: Callable[[AsyncClient], Awaitable[httpx.Response]]) -> Any:
        client = await self._open()
        try:
            response = await request(client)
        except httpx.TimeoutException:
            raise ProviderError(f"schwab: {what} timed out", transient=True, provider=self.name) from None
        except httpx.HTTPStatusError as exc:  # raised by authlib for a failing token endpoint
            status = exc.response.status_code
            raise status_error(self.name, f"{what} (token refresh)", status, None, _AUTH_HINT) from None
        except httpx.TransportError as exc:
            raise ProviderError(
                f"schwab: {what} failed: {type(exc).__name__}", transient=True, provider=self.name
            ) from None
        except AuthlibBaseError as exc:
            raise ProviderError(
                f"schwab: token refresh refused ({exc.error}): run `wheeld auth schwab`",
                transient=False,
                provider=self.name,
            ) from None
        except TokenStoreError as exc:
            raise ProviderError(str(exc), transient=False, provider=self.name) from None
        if not 200 <= response.status_code < 300:
            retry_after = retry_after_seconds(response.headers.get("Retry-After"), self._clock.now())
            raise status_error(self.name, what, response.status_code, retry_after, _AUTH_HINT)
        try:
            return response.json()
        except ValueError:
            raise ProviderError(
                f"schwab: {what} answered with invalid JSON", transient=False, provider=self.name
            ) from None

    async def get_quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        """Quotes for all `symbols` in one request (per 500 symbols)."""
        wanted = list(dict.fromkeys(s.upper() for s in symbols))
        quotes: dict[str, Quote] = {}
        fields = [AsyncClient.Quote.Fields.QUOTE, AsyncClient.Quote.Fields.REGULAR]
        for begin in range(0, len(wanted), MAX_SYMBOLS_PER_CALL):
            chunk = wanted[begin : begin + MAX_SYMBOLS_PER_CALL]
            payload = await self._get_json(
                "quotes", lambda client, chunk=chunk: client.get_quotes(chunk, fields=fields)
            )
            quotes.update(parse_quotes(payload, self._clock.now()))
        return {symbol: quotes[symbol] for symbol in wanted if symbol in quotes}

    async def get_option_chain(
        self,
        symbol: str,
        direction: Direction | None = None,
        min_dte: int | None = None,
        max_dte: int | None = None,
        strike_count: int | None = None,
    ) -> OptionChain:
        """The chain filtered upstream by contract type, strike count and expiration range."""
        symbol = symbol.upper()
        today = self._clock.today_ny()
        kinds = AsyncClient.Options.ContractType
        contract_type = {"put": kinds.PUT, "call": kinds.CALL, None: kinds.ALL}[direction]
        from_date = today + timedelta(days=min_dte) if min_dte is not None else None
        to_date = today + timedelta(days=max_dte) if max_dte is not None else None
        payload = await self._get_json(
            f"option chain for {symbol}",
            lambda client: client.get_option_chain(
                symbol,
                contract_type=contract_type,
                strike_count=strike_count,
                include_underlying_quote=True,
                from_date=from_date,
                to_date=to_date,
            ),
        )
        chain = parse_chain(symbol, payload, self._clock.now())
        # Schwab's date range is loose at the edges; hold the window exactly.
        return chain.filtered(today=today, direction=direction, min_dte=min_dte, max_dte=max_dte)

    async def get_price_history(self, symbol: str, days: int = 365) -> list[PriceBar]:
        """Daily candles for the last `days` calendar days."""
        symbol = symbol.upper()
        now = self._clock.now()
        payload = await self._get_json(
            f"price history for {symbol}",
            lambda client: client.get_price_history_every_day(
                symbol, start_datetime=now - timedelta(days=days), end_datetime=now
            ),
        )
        return parse_history(payload)

    async def get_transactions(self, start: date, end: date) -> list[Any]:
        """Every account's transactions traded from `start` to `end` (the broker import reads them)."""
        accounts = await self._get_json("account numbers", lambda client: client.get_account_numbers())
        found: list[Any] = []
        begin = datetime.combine(start, datetime.min.time(), NEW_YORK)
        finish = datetime.combine(end, datetime.max.time().replace(microsecond=0), NEW_YORK)
        for account in accounts if isinstance(accounts, list) else []:
            account_hash = account.get("hashValue") if isinstance(account, dict) else None
            if not account_hash:
                continue
            answer = await self._get_json(
                "transactions",
                lambda client, h=account_hash: client.get_transactions(h, start_date=begin, end_date=finish),
            )
            if not isinstance(answer, list):
                raise ProviderError("schwab: transactions answered with no list", transient=False, provider=self.name)
            found.extend(answer)
        return found

    async def get_earnings(self, symbols: Sequence[str], start: date, end: date) -> list[EarningsEvent]:
        """Schwab's API has no earnings calendar (finnhub provides it)."""
        raise NotSupported(self.name, "earnings dates")

    async def get_dividends(self, symbols: Sequence[str], start: date, end: date) -> list[DividendEvent]:
        """Last and next ex-dividend dates from the quotes' fundamental data."""
        wanted = list(dict.fromkeys(s.upper() for s in symbols))
        events: list[DividendEvent] = []
        fields = [AsyncClient.Quote.Fields.FUNDAMENTAL]
        for begin in range(0, len(wanted), MAX_SYMBOLS_PER_CALL):
            chunk = wanted[begin : begin + MAX_SYMBOLS_PER_CALL]
            payload = await self._get_json(
                "dividends", lambda client, chunk=chunk: client.get_quotes(chunk, fields=fields)
            )
            events.extend(parse_dividends(payload, start, end))
        return sorted(events, key=lambda e: (e.ex_date, e.symbol))

    def token_status(self) -> dict[str, Any]:
        """Refresh-token age and expiry; degraded within a day of the 7-day limit, down after."""
        issued = self._token_store.refresh_token_issued_at()
        if issued is None:
            return {
                "status": "down",
                "detail": "no readable Schwab token: run `wheeld auth schwab`",
                "token_age_seconds": None,
                "refresh_token_expires_in_seconds": None,
            }
        age = max(self._clock.now().timestamp() - issued, 0.0)
        remaining = REFRESH_TOKEN_LIFETIME - age
        if remaining <= 0:
            status, detail = "down", "Schwab refresh token expired: run `wheeld auth schwab`"
        elif remaining <= REFRESH_TOKEN_WARNING:
            hours = remaining / 3600.0
            status = "degraded"
            detail = f"Schwab refresh token expires in {hours:.1f} h: run `wheeld auth schwab`"
        else:
            status, detail = "ok", f"Schwab refresh token valid for {remaining / 86400:.1f} days"
        return {
            "status": status,
            "detail": detail,
            "token_age_seconds": round(age),
            "refresh_token_expires_in_seconds": round(max(remaining, 0.0)),
        }

    def health(self) -> dict[str, Any]:
        """Token state (no network call)."""
        return self.token_status()

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._client is not None:
            await self._client.close_async_session()
            self._client = None


def run_login_flow(
    api_key: str,
    app_secret: str,
    callback_url: str,
    token_store: EncryptedTokenStore,
    *,
    manual: bool = False,
    interactive: bool = True,
    callback_timeout: float = 300.0,
) -> None:
    """Run schwab-py's browser login flow (or the copy-paste manual flow) and store the token.

    Blocking and interactive: for `wheeld auth schwab`, never for the event loop.
    """
    write = _token_writer(token_store)
    if manual:
        client = schwab.auth.client_from_manual_flow(
            api_key, app_secret, callback_url, str(token_store.path), token_write_func=write
        )
    else:
        client = schwab.auth.client_from_login_flow(
            api_key,
            app_secret,
            callback_url,
            str(token_store.path),
            token_write_func=write,
            callback_timeout=callback_timeout,
            interactive=interactive,
        )
    client.session.close()
    log.info("Schwab token stored (encrypted) at %s", token_store.path)
