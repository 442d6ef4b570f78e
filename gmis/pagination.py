"""Pagination of SELECT statements for list pages."""

from __future__ import annotations

import math
from dataclasses import dataclass

import sqlalchemy as sa
from flask import request

from gmis.db import session


def page_number(arg: str = "page") -> int:
    """The requested page; anything malformed or out of range means the first page."""
    try:
        return max(1, min(int(request.args.get(arg, 1)), 100_000))
    except (TypeError, ValueError):
        return 1


def page_args() -> dict[str, str]:
    """The query of the page shown without its page number: what the pager's links keep."""
    return {key: value for key, value in request.args.items() if key != "page"}


@dataclass
class Page:
    items: list
    number: int
    per_page: int
    total: int

    @classmethod
    def of(cls, query: sa.Select, number: int, per_page: int = 50,
           total: int | None = None, rows: bool = False) -> Page:
        """A page of ``query``'s entities (``rows``: of its rows, for a select of columns);
        ``total`` when the caller has counted them already."""
        if total is None:
            total = session.scalar(sa.select(sa.func.count()).select_from(
                query.order_by(None).subquery()))
        pages = max(1, math.ceil(total / per_page))
        number = min(number, pages)
        limited = query.limit(per_page).offset((number - 1) * per_page)
        items = session.execute(limited).all() if rows else session.scalars(limited).all()
        return cls(items=list(items), number=number, per_page=per_page, total=total)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first_number(self) -> int:
        """Position of this page's first item among all items (1-based)."""
        return (self.number - 1) * self.per_page + 1

    @property
    def last_number(self) -> int:
        return (self.number - 1) * self.per_page + len(self.items)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages
