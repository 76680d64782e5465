"""`wheel health|jobs|alerts|plugins`: the daemon itself and its background work."""

from __future__ import annotations

import argparse
from typing import Any

from wheeld.cli import render
from wheeld.cli.arguments import positive_int
from wheeld.cli.backend import JSON
from wheeld.cli.commands import Subparsers, command
from wheeld.cli.context import Context
from wheeld.errors import NotFound

RUN_POLL_SECONDS = 0.2
JOB_HELP = "a job id, e.g. price_refresh (see `wheel jobs list`)"
PLUGINS_MISSING = (
    "this wheeld has no plugins API yet (GET /api/v1/plugins: NOT_FOUND); plugin management is being built"
    " — update wheeld to use `wheel plugins`"
)


async def health(ctx: Context, args: argparse.Namespace) -> int:
    """wheel health: is the daemon (or the database) well? Exit 4 when it is down."""
    data = await ctx.backend.health()

    def text() -> str:
        head = f"wheeld {data['version']} ({ctx.backend.mode} mode, {ctx.backend.where}): {data['status']}"
        rows = []
        for name, component in data["components"].items():
            detail = ", ".join(
                f"{k}={v}"
                for k, v in component.items()
                if k != "status" and not k.endswith("_at") and v not in (None, "", [], {}) and not isinstance(v, dict)
            )
            rows.append((name, component.get("status", "-"), detail))
        return head + "\n" + render.table(("COMPONENT", "STATUS", "DETAIL"), rows)

    ctx.emit(data, text)
    return 4 if data["status"] == "down" else 0


def _jobs_table(jobs: list[JSON]) -> str:
    return render.table(
        ("JOB", "ENABLED", "SCHEDULE", "MARKET HOURS", "LAST RUN", "LAST STATUS", "NEXT RUN"),
        (
            (
                j["id"],
                "yes" if j["enabled"] else "no",
                j["trigger_description"],
                "only" if j["market_hours_only"] else "any time",
                render.moment(j["last_run_at"]),
                j["last_status"],
                render.moment(j["next_run_at"]),
            )
            for j in jobs
        ),
    )


async def jobs_list(ctx: Context, args: argparse.Namespace) -> None:
    """wheel jobs list."""
    jobs = await ctx.backend.list_jobs()
    ctx.emit(jobs, lambda: _jobs_table(jobs) + "\nTimes are New York time.")


def _run_line(run: JSON) -> str:
    took = f" in {run['duration_ms']} ms" if run["duration_ms"] is not None else ""
    said = run["error"] or run["summary"] or ""
    return f"{run['job_id']} run {run['id']}: {run['status']}{took}" + (f": {said}" if said else "")


async def _wait(ctx: Context, job_id: str, run_id: int) -> JSON:
    while True:
        for run in await ctx.backend.job_runs(job_id, 20):
            if run["id"] == run_id and run["status"] != "running":
                return run
        import asyncio  # here: `wheel --help` starts without asyncio

        await asyncio.sleep(RUN_POLL_SECONDS)


async def jobs_run(ctx: Context, args: argparse.Namespace) -> int:
    """wheel jobs run JOB [--wait]: run it now (bypasses the market-hours gate)."""
    started = await ctx.backend.run_job(args.job)
    if not args.wait:
        ctx.emit(
            started,
            f"Started {started['job_id']} (run {started['run_id']}); `wheel jobs history "
            f"{started['job_id']}` shows how it went",
        )
        return 0
    run = await _wait(ctx, started["job_id"], started["run_id"])
    ctx.emit(run, lambda: _run_line(run))
    return 0 if run["status"] in ("success", "skipped") else 1


async def jobs_history(ctx: Context, args: argparse.Namespace) -> None:
    """wheel jobs history JOB: its runs, newest first."""
    runs = await ctx.backend.job_runs(args.job, args.limit)

    def text() -> str:
        if not runs:
            return f"{args.job} has not run yet."
        return render.table(
            ("RUN", "STARTED", "TRIGGER", "STATUS", "MS", "SUMMARY"),
            (
                (
                    r["id"],
                    render.moment(r["started_at"]),
                    r["trigger"],
                    r["status"],
                    r["duration_ms"],
                    r["error"] or r["summary"] or "",
                )
                for r in runs
            ),
            right=(0, 4),
        )

    ctx.emit(runs, text)


async def _set_enabled(ctx: Context, job_id: str, enabled: bool) -> None:
    job = await ctx.backend.update_job(job_id, {"enabled": enabled})
    state = "enabled" if job["enabled"] else "disabled"
    ctx.emit(job, f"{job['id']} {state} ({job['trigger_description']}; next run {render.moment(job['next_run_at'])})")


async def jobs_enable(ctx: Context, args: argparse.Namespace) -> None:
    """wheel jobs enable JOB."""
    await _set_enabled(ctx, args.job, True)


async def jobs_disable(ctx: Context, args: argparse.Namespace) -> None:
    """wheel jobs disable JOB."""
    await _set_enabled(ctx, args.job, False)


async def alerts_list(ctx: Context, args: argparse.Namespace) -> None:
    """wheel alerts [list]: alerts not acknowledged yet (every alert with --all), newest first."""
    query: dict[str, Any] = {} if args.all else {"acknowledged": False}
    if args.portfolio:
        query["portfolio_id"] = (await ctx.portfolio())["id"]
    alerts = await ctx.backend.list_alerts(query, args.limit)

    def text() -> str:
        if not alerts:
            return "No alerts." if args.all else "No unacknowledged alerts."
        return render.table(
            ("ID", "", "SEVERITY", "RAISED", "SYMBOL", "ACK", "MESSAGE"),
            (
                (
                    a["id"],
                    render.risk(a["severity"]),
                    a["severity"],
                    render.moment(a["created_at"]),
                    a["symbol"],
                    "yes" if a["acknowledged"] else "",
                    a["message"],
                )
                for a in alerts
            ),
            right=(0,),
        )

    ctx.emit(alerts, text)


async def alerts_ack(ctx: Context, args: argparse.Namespace) -> None:
    """wheel alerts ack ID: acknowledge an alert (--undo takes it back)."""
    alert = await ctx.backend.acknowledge_alert(args.id, not args.undo)
    ctx.emit(
        alert,
        f"Alert {alert['id']} {'acknowledged' if alert['acknowledged'] else 'not acknowledged'}: {alert['message']}",
    )


async def plugins_list(ctx: Context, args: argparse.Namespace) -> int:
    """wheel plugins [list]: the plugins the daemon knows, enabled or not."""
    try:
        plugins = await ctx.backend.list_plugins()
    except NotFound as exc:
        if "no such path" not in exc.message:
            raise
        print(f"error: {PLUGINS_MISSING}", file=ctx.err)
        return 1

    def text() -> str:
        if not plugins:
            return "No plugins."
        table = render.table(
            ("PLUGIN", "STATUS", "SOURCE", "VERSION", "SCHEDULE", "DESCRIPTION"),
            (
                (
                    p.get("name"),
                    p.get("status") or ("enabled" if p.get("enabled") else "disabled"),
                    p.get("source"),
                    p.get("version"),
                    (p.get("job") or {}).get("trigger_description"),
                    p.get("description") or "",
                )
                for p in plugins
            ),
        )
        broken = [f"{p.get('name')}: {p['error']}" for p in plugins if p.get("error")]
        return "\n".join([table, *broken])

    ctx.emit(plugins, text)
    return 0


def _alert_filters(parser: argparse.ArgumentParser) -> None:
    # Set only when given, so `wheel alerts --all` and `wheel alerts list --all` both work (the group's
    # defaults fill in the rest).
    parser.add_argument("--all", action="store_true", default=argparse.SUPPRESS, help="acknowledged ones too")
    parser.add_argument(
        "--limit", type=positive_int, default=argparse.SUPPRESS, metavar="N", help="at most N (default 50)"
    )


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add the system commands."""
    command(sub, common, "health", "the daemon's health: database, scheduler, market data", health)

    group = sub.add_parser(
        "jobs",
        parents=[common],
        help="scheduled jobs: list, run now, history, enable, disable",
        description="The daemon's scheduled jobs (price_refresh, risk_monitor, daily_snapshots,"
        " opportunity_scan and plugins' plugin:NAME).",
    )
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    command(actions, common, "list", "every job with its schedule, last and next run", jobs_list)
    p = command(actions, common, "run", "run a job now (bypasses the market-hours gate)", jobs_run)
    p.add_argument("job", metavar="JOB", help=JOB_HELP)
    p.add_argument(
        "--wait", action="store_true", help="wait for the run to finish and show how it went (exit 1 if it failed)"
    )
    p = command(actions, common, "history", "a job's runs, newest first", jobs_history)
    p.add_argument("job", metavar="JOB", help=JOB_HELP)
    p.add_argument("--limit", type=positive_int, default=20, metavar="N", help="default 20")
    p = command(actions, common, "enable", "enable a job (it runs on its schedule again)", jobs_enable)
    p.add_argument("job", metavar="JOB", help=JOB_HELP)
    p = command(actions, common, "disable", "disable a job (it stays listed; `jobs run` still works)", jobs_disable)
    p.add_argument("job", metavar="JOB", help=JOB_HELP)

    group = sub.add_parser(
        "alerts",
        parents=[common],
        help="alerts: list (the default) and acknowledge",
        description="Alerts raised by the risk monitor and plugins.",
    )
    group.set_defaults(handler=alerts_list, all=False, limit=50)
    _alert_filters(group)
    actions = group.add_subparsers(dest="action", metavar="ACTION")
    p = command(actions, common, "list", "alerts not acknowledged yet, newest first (the default)", alerts_list)
    _alert_filters(p)
    p = command(actions, common, "ack", "acknowledge an alert", alerts_ack)
    p.add_argument("id", type=positive_int, metavar="ID", help="the alert's id (see `wheel alerts`)")
    p.add_argument("--undo", action="store_true", help="take the acknowledgement back")

    group = sub.add_parser(
        "plugins", parents=[common], help="the daemon's plugins", description="The daemon's plugins."
    )
    group.set_defaults(handler=plugins_list)
    actions = group.add_subparsers(dest="action", metavar="ACTION")
    command(actions, common, "list", "every plugin, enabled or not (the default)", plugins_list)
