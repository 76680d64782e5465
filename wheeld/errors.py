"""Errors as values with names: services raise these, one middleware maps them to the envelope.

| code | status | meaning |
|---|---|---|
| VALIDATION_ERROR | 400 | the request is malformed or a value is out of range |
| UNAUTHORIZED | 401 | the API token is missing or wrong |
| FORBIDDEN | 403 | Host not allowed, or a write from another site (Origin, Sec-Fetch-Site, Referer) |
| NOT_FOUND | 404 | no such resource |
| METHOD_NOT_ALLOWED | 405 | the path exists, the method does not |
| CONFLICT | 409 | the resource already exists (unique name, symbol) |
| INVALID_STATE | 409 | the move is illegal in the resource's current state |
| EXTERNAL_API_ERROR | 502 | a market-data provider failed and nothing cached could stand in |
| SERVICE_UNAVAILABLE | 503 | the database is unreachable |
| INTERNAL_ERROR | 500 | unexpected; never carries a traceback |
"""

from __future__ import annotations

from typing import Any


class WheeldError(Exception):
    """Base of every error the API reports by name."""

    code = "INTERNAL_ERROR"
    status = 500

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}


class ValidationError(WheeldError):
    """Bad input: `details` names the field, the value and the constraint."""

    code = "VALIDATION_ERROR"
    status = 400

    @classmethod
    def field(cls, field: str, value: Any, constraint: str) -> ValidationError:
        """One bad field, in the PRD's details shape."""
        return cls(
            f"{field}: {constraint}",
            {"field": field, "value": value, "constraint": constraint},
        )


class Unauthorized(WheeldError):
    """The bearer token is missing or wrong."""

    code = "UNAUTHORIZED"
    status = 401


class Forbidden(WheeldError):
    """Host or Origin not allowed (DNS rebinding, cross-site writes)."""

    code = "FORBIDDEN"
    status = 403


class NotFound(WheeldError):
    """The named resource does not exist."""

    code = "NOT_FOUND"
    status = 404


class MethodNotAllowed(WheeldError):
    """The path exists but not with this method."""

    code = "METHOD_NOT_ALLOWED"
    status = 405


class Conflict(WheeldError):
    """The resource already exists."""

    code = "CONFLICT"
    status = 409


class InvalidState(WheeldError):
    """The requested move is illegal in the current state."""

    code = "INVALID_STATE"
    status = 409


class ExternalAPIError(WheeldError):
    """A market-data provider failed and no cached value could stand in."""

    code = "EXTERNAL_API_ERROR"
    status = 502


class ServiceUnavailable(WheeldError):
    """The database (or another vital resource) is unreachable."""

    code = "SERVICE_UNAVAILABLE"
    status = 503


class ConfigError(Exception):
    """A configuration value is invalid; the message names the key."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"config {key}: {problem}")
        self.key = key
        self.problem = problem


ERROR_CLASSES: tuple[type[WheeldError], ...] = (
    ValidationError,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    InvalidState,
    ExternalAPIError,
    ServiceUnavailable,
    WheeldError,
)
