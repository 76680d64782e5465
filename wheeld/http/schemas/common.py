"""Shared fields and schemas: money, symbols, ids, pages, the success and error envelopes."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from wheeld.domain.money import cents_to_float
from wheeld.domain.vocabulary import normalize_symbol
from wheeld.services.listing import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

MAX_ID = 2**63 - 1
MAX_MONEY = Decimal("1000000000")  # a billion dollars: far beyond any single wheel
# The one id pattern: only canonical decimal ids name a resource (`+2`, ` 3`, `02`, `0` name none).
ID_PATTERN = "[1-9][0-9]*"
_DECIMAL_TEXT = re.compile(rf"(0|-?{ID_PATTERN})\Z")  # an integer in a query or path: the id pattern, signed
_NUMBER_TEXT = re.compile(r"-?(0|[1-9][0-9]{0,19})(\.[0-9]{1,20})?\Z")
_numbers_from_text: ContextVar[bool] = ContextVar("numbers_from_text", default=False)


@contextmanager
def numbers_from_text() -> Iterator[None]:
    """While loading a query string or a path, whose values are text: numbers come as decimal digits.
    Outside it (a JSON body) a number must be a JSON number: `"2"` is refused, never converted."""
    token = _numbers_from_text.set(True)
    try:
        yield
    finally:
        _numbers_from_text.reset(token)


def _range(minimum: float, maximum: float) -> validate.Range:
    return validate.Range(min=minimum, max=maximum, error="must be between {min} and {max}")


class WholeNumber(fields.Integer):
    """An integer within [minimum, maximum] (shown in the spec). In a JSON body only a JSON integer: `1.5`,
    `2.0`, `true` and `"2"` are refused, never truncated or converted; in a query or path only canonical
    decimal digits (`2`, not `+2`, `02`, ` 2` or `1e3`)."""

    def __init__(self, *, minimum: int, maximum: int, **kwargs: Any) -> None:
        extra = kwargs.pop("validate", None)
        validators = [_range(minimum, maximum), *([] if extra is None else [extra] if callable(extra) else extra)]
        super().__init__(strict=True, validate=validators, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool):
            raise ValidationError("must be a whole number, not true or false")
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            if not (math.isfinite(value) and value.is_integer()):
                raise ValidationError("must be a whole number")
            if not self.minimum <= value <= self.maximum:  # 1e29: a whole number, far out of range
                raise ValidationError(f"must be between {self.minimum} and {self.maximum}")
            raise ValidationError(f"must be a whole number written without a decimal point ({int(value)})")
        if isinstance(value, str) and _numbers_from_text.get():
            if _DECIMAL_TEXT.match(value):
                # Beyond 20 digits it is out of any range of ours (and int() of 4,300 digits would raise).
                return int(value) if len(value) <= 21 else (self.maximum + 1 if value[0] != "-" else self.minimum - 1)
            raise ValidationError("must be a whole number in decimal digits")
        if isinstance(value, str):
            raise ValidationError("must be a whole number, not a string")
        raise ValidationError("must be a whole number")


class RealNumber(fields.Float):
    """A finite number within [minimum, maximum] (shown in the spec); a JSON number in a body (`"2"` and
    `true` are refused), plain decimal notation in a query."""

    def __init__(self, *, minimum: float, maximum: float, **kwargs: Any) -> None:
        super().__init__(allow_nan=False, validate=_range(minimum, maximum), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        if isinstance(value, bool):
            raise ValidationError("must be a number, not true or false")
        if isinstance(value, str) and _numbers_from_text.get():
            if not _NUMBER_TEXT.match(value):
                raise ValidationError("must be a number in decimal notation")
            return float(value)
        if isinstance(value, str):
            raise ValidationError("must be a number, not a string")
        if not isinstance(value, int | float):
            raise ValidationError("must be a number")
        try:
            number = float(value)
        except OverflowError:  # an integer beyond any float
            number = math.inf
        if not math.isfinite(number):
            raise ValidationError("must be a finite number")
        return number


class Money(fields.Field):
    """Dollars in JSON (a number, at most `places` decimals), integer cents inside wheeld."""

    def __init__(
        self, *, places: int = 2, minimum: Decimal = Decimal(0), allow_zero: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.places = places
        self.minimum = minimum
        self.allow_zero = allow_zero
        self.metadata.setdefault("type", "number")
        self.metadata.setdefault("format", "double")
        self.metadata.setdefault("x-unit", "USD")

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> float | None:
        return cents_to_float(value) if isinstance(value, int) else value

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValidationError("must be a number")
        if isinstance(value, str) and not _numbers_from_text.get():
            raise ValidationError("must be a number, not a string")
        if isinstance(value, int) and abs(value) > 10**30:
            raise ValidationError(f"must be <= {MAX_MONEY}" if value > 0 else f"must be >= {self.minimum}")
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise ValidationError("must be a number") from None
        if not amount.is_finite():
            raise ValidationError("must be a finite number")
        if amount < self.minimum or (amount == 0 and not self.allow_zero):
            raise ValidationError("must be positive" if not self.allow_zero else f"must be >= {self.minimum}")
        if amount > MAX_MONEY:
            raise ValidationError(f"must be <= {MAX_MONEY}")
        exponent = amount.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > self.places:
            raise ValidationError(f"must have at most {self.places} decimal places")
        if self.places == 2:
            return int(amount * 100)
        return amount  # finer prices (premium per share) stay Decimal; the service converts


class MoneyIn(Money):
    """Money a client sends: its range (minimum, maximum) is shown in the spec. (Figures the API returns use
    Money: a P&L may well be negative.)"""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.metadata.setdefault("minimum", float(self.minimum))
        self.metadata.setdefault("maximum", float(MAX_MONEY))
        if not self.allow_zero:
            self.metadata.setdefault("exclusiveMinimum", True)


class Symbol(fields.String):
    """A ticker: 1–10 characters of A–Z 0–9 . -, upper-cased."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault("pattern", "^[A-Za-z0-9.\\-]{1,10}$")
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalize_symbol(text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class IsoDate(fields.Date):
    """A calendar date YYYY-MM-DD (a real one: 2026-02-30 is refused)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if isinstance(value, str):
            return value
        return super()._serialize(value, attr, obj, **kwargs)


class Timestamp(fields.String):
    """A UTC ISO-8601 timestamp as stored."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault("format", "date-time")
        kwargs["metadata"].setdefault("example", "2026-11-25T15:30:00Z")
        super().__init__(**kwargs)


class AwareDateTime(fields.AwareDateTime):
    """An input timestamp; naive values are taken as UTC."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_timezone=dt.UTC, **kwargs)


def id_field(**kwargs: Any) -> WholeNumber:
    """A positive integer id within SQLite's range (canonical digits in a path or query: ID_PATTERN)."""
    return WholeNumber(minimum=1, maximum=MAX_ID, **kwargs)


class IdPath(Schema):
    """`{id}` in the path: a canonical decimal id (ID_PATTERN), else the path names nothing (404)."""

    id = id_field(required=True, metadata={"description": "Resource id"})


class StrictBoolean(fields.Boolean):
    """JSON true or false only: "yes" or 1 for a flag is a client bug, not a truthy value."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError("must be true or false")
        return value


class PageQuery(Schema):
    """`page` and `page_size` of a list."""

    page = WholeNumber(minimum=1, maximum=1_000_000, load_default=1)
    page_size = WholeNumber(minimum=1, maximum=MAX_PAGE_SIZE, load_default=DEFAULT_PAGE_SIZE)


class CsvQuery(Schema):
    """`format=csv` for a spreadsheet file of the whole selection, `bom=1` to start it with a UTF-8 BOM."""

    format = fields.String(
        load_default="json",
        validate=validate.OneOf(["json", "csv"]),
        metadata={"description": "csv streams the whole selection (no pagination)"},
    )
    bom = fields.Boolean(
        load_default=False,
        metadata={"description": "csv: start with a UTF-8 byte-order mark, so Excel reads non-ASCII text right"},
    )


class Pagination(Schema):
    """Where a page sits in the whole list."""

    page = fields.Integer(required=True, metadata={"example": 1})
    page_size = fields.Integer(required=True, metadata={"example": 50})
    total_items = fields.Integer(required=True, metadata={"example": 237})
    total_pages = fields.Integer(required=True, metadata={"example": 5})


class ErrorBody(Schema):
    """What went wrong: a stable code, a message for people, details for programs."""

    code = fields.String(
        required=True,
        validate=validate.OneOf(
            [
                "VALIDATION_ERROR",
                "UNAUTHORIZED",
                "FORBIDDEN",
                "NOT_FOUND",
                "METHOD_NOT_ALLOWED",
                "CONFLICT",
                "INVALID_STATE",
                "EXTERNAL_API_ERROR",
                "SERVICE_UNAVAILABLE",
                "INTERNAL_ERROR",
            ]
        ),
        metadata={"example": "VALIDATION_ERROR"},
    )
    message = fields.String(required=True, metadata={"example": "strike: must be positive"})
    details = fields.Dict(
        required=True,
        metadata={"example": {"field": "strike", "value": -100, "constraint": "must be positive"}},
    )


class ErrorEnvelope(Schema):
    """The error envelope every failure uses."""

    error = fields.Nested(ErrorBody, required=True)
    timestamp = Timestamp(required=True)


_ENVELOPES: dict[tuple[str, bool, bool], type[Schema]] = {}


def envelope(schema: type[Schema], many: bool = False, paginated: bool | None = None) -> type[Schema]:
    """The `{data, timestamp}` (and `pagination` for paged lists) wrapper of a schema, made once."""
    paginated = many if paginated is None else paginated
    name = schema.__name__.removesuffix("Schema")
    key = (name, many, paginated)
    if key not in _ENVELOPES:
        attrs: dict[str, Any] = {
            "data": fields.List(fields.Nested(schema), required=True)
            if many
            else fields.Nested(schema, required=True, allow_none=False),
            "timestamp": Timestamp(required=True),
        }
        if paginated:
            attrs["pagination"] = fields.Nested(Pagination, required=True)
        suffix = "Page" if paginated else ("List" if many else "")
        _ENVELOPES[key] = Schema.from_dict(attrs, name=f"{name}{suffix}Envelope")
    return _ENVELOPES[key]
