"""Routes for broker imports: POST a Schwab CSV export (dry run or real), GET an import's report."""

from __future__ import annotations

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from wheeld.domain.broker_plan import parse_shares
from wheeld.errors import ValidationError
from wheeld.http.envelope import ok
from wheeld.http.keys import CONTAINER, PATH, QUERY
from wheeld.http.openapi import endpoint
from wheeld.http.schemas.common import IdPath, envelope
from wheeld.http.schemas.imports import ImportQuery, ImportReport

REPORT = ImportReport()
EXAMPLE = {
    "id": 3,
    "source": "schwab-csv",
    "portfolio_id": 1,
    "dry_run": False,
    "imported_at": "2026-11-25T15:30:00Z",
    "period": {"start": "2026-11-02", "end": "2026-11-20"},
    "totals": {
        "rows": 3,
        "open": 1,
        "settle": 1,
        "roll": 0,
        "match": 0,
        "skip": 1,
        "conflict": 0,
        "already_imported": 0,
    },
    "rows": [
        {
            "line": 3,
            "date": "2026-11-02",
            "action": "Sell to Open",
            "symbol": "KO 11/20/2026 60.00 P",
            "step": "open",
            "reason": "",
            "trade_id": 12,
        },
        {
            "line": 4,
            "date": "2026-11-05",
            "action": "Qualified Dividend",
            "symbol": "KO",
            "step": "skip",
            "reason": "'Qualified Dividend' is not a wheel transaction",
            "trade_id": None,
        },
        {
            "line": 5,
            "date": "2026-11-20",
            "action": "Expired",
            "symbol": "KO 11/20/2026 60.00 P",
            "step": "settle",
            "reason": "",
            "trade_id": 12,
        },
    ],
    "reconciliation": [
        {
            "symbol": "KO",
            "broker_net_premium": 84.35,
            "wheeld_net_premium": 84.35,
            "difference": 0.0,
            "broker_open_contracts": 0,
            "wheeld_open_contracts": 0,
            "ok": True,
        }
    ],
}


async def _upload(request: web.Request) -> tuple[str, str | None]:
    """The CSV text (raw text/csv body, or a multipart `file` part) and a multipart `shares` field."""
    shares = None
    if request.content_type.startswith("multipart/"):
        raw = b""
        try:
            async for part in await request.multipart():
                if not isinstance(part, BodyPartReader):  # a nested multipart: not ours
                    continue
                if part.name == "shares":
                    shares = await part.text()
                elif part.name == "file" or part.filename:
                    raw = await part.read()
        except (HttpProcessingError, ValueError, AssertionError, UnicodeDecodeError) as exc:
            # aiohttp's multipart reader asserts and raises on a malformed body: the client's error, not ours
            raise ValidationError.field("body", None, f"a malformed multipart body ({type(exc).__name__})") from None
    else:
        raw = await request.read()
    if not raw.strip():
        raise ValidationError.field("body", None, "send the CSV export as the body (text/csv) or a multipart 'file'")
    try:
        return raw.decode("utf-8-sig"), shares
    except UnicodeDecodeError:
        raise ValidationError.field("body", None, "must be UTF-8 text (a CSV export)") from None


@endpoint(
    tag="imports",
    summary="Import a broker's transaction history (Schwab CSV export) into a portfolio; dry_run previews it",
    description="The body is the CSV itself (Content-Type: text/csv) or multipart with a `file` part (and an"
    " optional `shares` field). One transaction: a bad row anywhere means nothing is imported (400, the"
    " error names the line); a conflict with wheeld's records is a 409 listing every conflicting row."
    " Importing the same rows again records nothing new.",
    response=ImportReport,
    status=201,
    example=EXAMPLE,
    query=ImportQuery,
    errors=(404, 409),
    extra_responses={
        200: {
            "schema": envelope(ImportReport),
            "description": "A dry run: what would be done; nothing is written (`id` is null)",
            "examples": {
                "application/json": {
                    "data": {**EXAMPLE, "id": None, "dry_run": True},
                    "timestamp": "2026-11-25T15:30:00Z",
                }
            },
        }
    },
)
async def create_import(request: web.Request) -> web.Response:
    """POST /api/v1/imports"""
    q, c = request[QUERY], request.app[CONTAINER]
    text, shares_field = await _upload(request)
    shares = parse_shares(",".join(s for s in (q.get("shares"), shares_field) if s))
    report = await c.imports.import_schwab_csv(text, q.get("portfolio_id"), q["dry_run"], shares)
    return ok(report, c.clock.now(), REPORT, status=200 if q["dry_run"] else 201)


# The body is CSV, not JSON: described by hand (the endpoint helper documents marshmallow JSON bodies);
# the spec builder copies an operation's own `requestBody` as it is.
_CSV_EXAMPLE = (
    '"Date","Action","Symbol","Description","Quantity","Price","Fees & Comm","Amount"\n'
    '"11/02/2026","Sell to Open","KO 12/18/2026 60.00 P","PUT COCA COLA CO","1","$0.85","$0.65","$84.35"'
)
_CSV_BODY = {
    "required": True,
    "description": "The CSV export as exported by Schwab (text/csv), or multipart/form-data with a `file` part",
    "content": {
        "text/csv": {"schema": {"type": "string"}, "example": _CSV_EXAMPLE},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary", "description": "the CSV export"},
                    "shares": {"type": "string", "description": "shares the export lacks: SYMBOL=COUNT@COST, …"},
                },
            }
        },
    },
}
for _spec in (create_import.__apispec__, create_import.__apispec_original__):  # type: ignore[attr-defined]
    _spec["requestBody"] = _CSV_BODY


@endpoint(
    tag="imports",
    summary="An import's report: every row's step and, per symbol, broker against wheeld",
    response=ImportReport,
    example=EXAMPLE,
    path=IdPath,
    errors=(404,),
)
async def get_import(request: web.Request) -> web.Response:
    """GET /api/v1/imports/{id}"""
    c = request.app[CONTAINER]
    return ok(await c.imports.get(request[PATH]["id"]), c.clock.now(), REPORT)


def register(app: web.Application) -> None:
    """Add the import routes."""
    app.router.add_post("/api/v1/imports", create_import)
    app.router.add_get("/api/v1/imports/{id}", get_import, allow_head=False)
