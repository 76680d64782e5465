"""The opportunity scan (FR-19): score the recommended put of every watchlist symbol and wheel in cash.

A scan answers once its results are stored; `GET /opportunities` reads the latest scan. The
`opportunity_scan` core job calls `scheduled`, and with `recommendations.notify_top_n` > 0 the best
results go to the notifiers (delivered like a MEDIUM alert of kind `opportunities`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict
from decimal import Decimal
from typing import Any, Literal

from wheeld.clock import Clock, utc_iso
from wheeld.config import Config
from wheeld.db import opportunities as repo
from wheeld.db import portfolios as portfolio_repo
from wheeld.db.connection import Database, Row
from wheeld.domain.money import to_cents
from wheeld.domain.opportunity import Criteria, exclusion, score
from wheeld.domain.recommendation import IV_RANK_METHOD, WheelTerms
from wheeld.domain.vocabulary import WheelState
from wheeld.errors import NotFound, ValidationError
from wheeld.services.listing import MAX_PAGE_SIZE, Page, Paged
from wheeld.services.notifiers import Notifier
from wheeld.services.recommendations import Outcome, RecommendationService, Subject
from wheeld.services.watchlist import WatchlistService
from wheeld.services.wheels import WheelService

log = logging.getLogger(__name__)
Trigger = Literal["manual", "schedule"]


def default_criteria(config: Config) -> Criteria:
    """The scan criteria from the `opportunities.*` keys."""
    return Criteria(
        min_iv_rank=config["opportunities.min_iv_rank"],
        min_annualized_yield_pct=config["opportunities.min_annualized_yield_pct"],
        earnings=config["opportunities.earnings"],
        earnings_penalty=config["opportunities.earnings_penalty"],
        min_open_interest=config["opportunities.min_open_interest"],
        max_spread_pct=config["opportunities.max_spread_pct"],
        profile=None,
        top_n=config["opportunities.top_n"],
    )


def scan_dict(row: Row) -> dict[str, Any]:
    """A scan record as the API shows it."""
    return {
        "id": row["id"],
        "started_at": row["started_at"],
        "finished_at": row["finished_at"],
        "trigger": row["trigger"],
        "portfolio_id": row["portfolio_id"],
        "criteria": json.loads(row["criteria"]),
        "candidates": row["candidates"],
        "count": row["count"],
        "excluded": json.loads(row["excluded"]),
        "iv_rank_method": IV_RANK_METHOD,
    }


def opportunity_dict(row: Row) -> dict[str, Any]:
    """A stored opportunity as the API shows it (money in cents until serialized)."""
    values = dict(row)
    values["scanned_at"] = row["scanned_at"]
    values["strike"] = values.pop("strike_cents")
    values["premium"] = values.pop("premium_cents")
    values["collateral"] = values.pop("collateral_cents")
    values["score_parts"] = json.loads(row["score_parts"])
    values["warnings"] = json.loads(row["warnings"])
    return values


def _stored(rank: int, outcome: Outcome, points: Any, candidate: dict[str, Any]) -> dict[str, Any]:
    rec = outcome.recommendation
    assert rec is not None and rec.pick is not None
    pick = rec.pick
    return {
        "rank": rank,
        "symbol": outcome.subject.symbol,
        "wheel_id": candidate["wheel_id"],
        "portfolio_id": candidate["portfolio_id"],
        "profile": rec.basis["profile"]["name"],
        "score": points.total,
        "score_parts": json.dumps(points.parts),
        "direction": pick.direction,
        "option_symbol": pick.symbol,
        "strike_cents": to_cents(Decimal(str(pick.strike))),
        "expiration_date": pick.expiration_date,
        "dte": pick.dte,
        "bid": pick.bid,
        "ask": pick.ask,
        "mid": pick.mid,
        "premium_cents": pick.premium_cents,
        "collateral_cents": pick.collateral_cents,
        "delta": pick.delta,
        "iv": pick.iv,
        "sigma_distance": pick.sigma_distance,
        "p_itm": pick.p_itm,
        "open_interest": pick.open_interest,
        "spread_pct": pick.spread_pct,
        "premium_yield_pct": pick.premium_yield_pct,
        "annualized_yield_pct": pick.annualized_yield_pct,
        "break_even": pick.break_even,
        "price": rec.basis["price"],
        "iv_rank": rec.basis["iv_rank"],
        "trend": rec.basis["trend"],
        "warnings": json.dumps([asdict(w) for w in rec.warnings]),
    }


class OpportunityService:
    """Opportunity scans: candidates, scoring, storage, the latest results and the notifier hook."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        recommendations: RecommendationService,
        wheels: WheelService,
        watchlist: WatchlistService,
        config: Callable[[], Config],
        notifier: Notifier | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.recommendations = recommendations
        self.wheels = wheels
        self.watchlist = watchlist
        self.notifier = notifier
        self._config = config

    def criteria(self, given: Mapping[str, Any] | None = None) -> Criteria:
        """The scan criteria: the given ones over the configured defaults (the profile must exist)."""
        chosen = Criteria.from_mapping(given or {}, default_criteria(self._config()))
        known = self.recommendations.settings().profiles
        if chosen.profile is not None and chosen.profile not in known:
            raise ValidationError.field("profile", chosen.profile, f"must be one of {', '.join(sorted(known))}")
        return chosen

    async def scan(
        self, given: Mapping[str, Any] | None = None, trigger: Trigger = "manual", portfolio_id: int | None = None
    ) -> dict[str, Any]:
        """Score every candidate, store the ranked top N, notify; returns the scan and its results."""
        started = utc_iso(self.clock.now())
        criteria = self.criteria(given)
        if portfolio_id is not None and await portfolio_repo.get_portfolio(self.db.reader, portfolio_id) is None:
            raise NotFound(f"portfolio {portfolio_id} not found", {"portfolio_id": portfolio_id})
        candidates = await self._candidates(criteria, portfolio_id)
        outcomes = await self.recommendations.recommend([c["subject"] for c in candidates])
        ranked: list[tuple[Any, Outcome, dict[str, Any]]] = []
        excluded: list[dict[str, Any]] = []
        for candidate, outcome in zip(candidates, outcomes, strict=True):
            reason = self._reason_out(outcome, criteria)
            if reason is not None:
                excluded.append(
                    {
                        "symbol": candidate["subject"].symbol,
                        "wheel_id": candidate["wheel_id"],
                        "portfolio_id": candidate["portfolio_id"],
                        "reason": reason,
                    }
                )
                continue
            rec = outcome.recommendation
            assert rec is not None and rec.pick is not None
            ranked.append((score(rec.pick, rec.basis["iv_rank"], rec.basis["trend"], criteria), outcome, candidate))
        ranked.sort(key=lambda r: (-r[0].total, r[1].subject.symbol, r[2]["wheel_id"] or 0))
        rows = [_stored(i, o, p, c) for i, (p, o, c) in enumerate(ranked[: criteria.top_n], start=1)]
        scan_id = await self._store(started, criteria, trigger, portfolio_id, len(candidates), excluded, rows)
        result = await self.get_scan(scan_id)
        await self._notify(result)
        return result

    @staticmethod
    def _reason_out(outcome: Outcome, criteria: Criteria) -> str | None:
        if outcome.error is not None:
            return f"{outcome.error.code}: {outcome.error.message}"
        rec = outcome.recommendation
        assert rec is not None
        if rec.pick is None:
            return rec.warnings[0].message if rec.warnings else "no contract qualifies"
        return exclusion(rec.pick, rec.basis["iv_rank"], criteria)

    async def _candidates(self, criteria: Criteria, portfolio_id: int | None) -> list[dict[str, Any]]:
        """Every active wheel in cash, then every watchlist entry no such wheel already covers."""
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            filters = {"state": str(WheelState.CASH), "portfolio_id": portfolio_id}
            paged = await self.wheels.list(filters, Page(page, MAX_PAGE_SIZE), "id")
            for wheel in paged.items:
                terms = WheelTerms("put", capital_cents=wheel["capital_allocated"])
                found.append(
                    {
                        "subject": Subject(wheel["symbol"], terms, criteria.profile or wheel["profile"]),
                        "wheel_id": wheel["id"],
                        "portfolio_id": wheel["portfolio_id"],
                    }
                )
            if page * MAX_PAGE_SIZE >= paged.total:
                break
            page += 1
        default_profile = self._config()["opportunities.profile"]
        covered = {(c["subject"].symbol, c["portfolio_id"]) for c in found}
        covered_anywhere = {symbol for symbol, _ in covered}
        seen: set[tuple[str, str]] = set()
        for entry in await self.watchlist.scan_entries(portfolio_id):
            symbol, scope = entry["symbol"], entry["portfolio_id"]
            profile = criteria.profile or entry["profile"] or default_profile
            if (
                (symbol, scope) in covered
                or (scope is None and symbol in covered_anywhere)
                or (symbol, profile) in seen
            ):
                continue
            seen.add((symbol, profile))
            found.append(
                {"subject": Subject(symbol, WheelTerms("put"), profile), "wheel_id": None, "portfolio_id": scope}
            )
        return found

    async def _store(
        self,
        started: str,
        criteria: Criteria,
        trigger: Trigger,
        portfolio_id: int | None,
        candidates: int,
        excluded: list[dict[str, Any]],
        rows: list[dict[str, Any]],
    ) -> int:
        keep = self._config()["opportunities.keep_scans"]
        async with self.db.transaction(bookkeeping=True) as conn:
            scan_id = await repo.insert_scan(
                conn,
                {
                    "started_at": started,
                    "finished_at": utc_iso(self.clock.now()),
                    "criteria": json.dumps(criteria.as_dict()),
                    "count": len(rows),
                    "candidates": candidates,
                    "excluded": json.dumps(excluded),
                    "trigger": trigger,
                    "portfolio_id": portfolio_id,
                },
            )
            await repo.insert_opportunities(conn, scan_id, rows)
            await repo.prune_scans(conn, keep)
        return scan_id

    async def get_scan(self, scan_id: int) -> dict[str, Any]:
        """One scan with all its results, best first."""
        row = await repo.get_scan(self.db.reader, scan_id)
        if row is None:
            raise NotFound(f"opportunity scan {scan_id} not found", {"scan_id": scan_id})
        results, _ = await repo.list_opportunities(self.db.reader, scan_id)
        return {"scan": scan_dict(row), "opportunities": [opportunity_dict(r) for r in results]}

    async def latest(self, page: Page) -> tuple[dict[str, Any] | None, Paged]:
        """The latest scan (None before the first) and a page of its results, best first."""
        row = await repo.latest_scan(self.db.reader)
        if row is None:
            return None, Paged([], 0, page)
        results, total = await repo.list_opportunities(self.db.reader, row["id"], page.page_size, page.offset)
        return scan_dict(row), Paged([opportunity_dict(r) for r in results], total, page)

    async def scheduled(self, scope: int | None) -> str:
        """The `opportunity_scan` job: a scan with the configured criteria; returns a one-line summary."""
        result = await self.scan(None, "schedule", scope)
        scan, best = result["scan"], result["opportunities"][:1]
        summary = f"scanned {scan['candidates']} candidates: {scan['count']} ranked, {len(scan['excluded'])} left out"
        if best:
            summary += f"; best {best[0]['symbol']} ({best[0]['score']:.1f})"
        return summary

    async def _notify(self, result: dict[str, Any]) -> None:
        top_n = self._config()["recommendations.notify_top_n"]
        if self.notifier is None or top_n <= 0 or not result["opportunities"]:
            return
        best = result["opportunities"][:top_n]
        lines = [
            f"{o['rank']}. {o['symbol']} put {o['strike'] / 100:.2f} {o['expiration_date']}: score {o['score']:.1f},"
            f" {o['annualized_yield_pct']:.1f} % a year"
            for o in best
        ]
        scan = result["scan"]
        message = f"top {len(best)} of opportunity scan {scan['id']}: " + "; ".join(lines)
        # Shaped like an alert so every notifier channel (log, webhook) takes it as it is.
        await self.notifier.deliver(
            {
                "id": f"scan-{scan['id']}",
                "kind": "opportunities",
                "severity": "MEDIUM",
                "message": message,
                "scan": scan,
                "opportunities": best,
            }
        )
