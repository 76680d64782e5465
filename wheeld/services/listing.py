"""Paging and sorting shared by every list: bounded pages and whitelisted sort fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wheeld.errors import ValidationError

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50


@dataclass(frozen=True)
class Page:
    """Which page of a list to return."""

    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    @property
    def offset(self) -> int:
        """Rows to skip."""
        return (self.page - 1) * self.page_size


@dataclass(frozen=True)
class Paged:
    """One page of items and the size of the whole selection."""

    items: list[Any]
    total: int
    page: Page

    def pagination(self) -> dict[str, int]:
        """The PRD's pagination block."""
        pages = (self.total + self.page.page_size - 1) // self.page.page_size
        return {
            "page": self.page.page,
            "page_size": self.page.page_size,
            "total_items": self.total,
            "total_pages": pages,
        }


def order_clause(sort: str | None, columns: dict[str, str], default: str = "id", table: str = "") -> str:
    """`field` or `-field` → an ORDER BY over a whitelisted column, ties broken by id the same way."""
    sort = (sort or default).strip()
    descending = sort.startswith("-")
    field = sort.lstrip("-")
    if field not in columns:
        raise ValidationError.field(
            "sort", sort, f"must be one of {', '.join(sorted(columns))}, optionally prefixed with '-'"
        )
    direction = "DESC" if descending else "ASC"
    prefix = f"{table}." if table else ""
    column = columns[field]
    if field == "id":
        return f"{prefix}id {direction}"
    return f"{column} {direction}, {prefix}id {direction}"
