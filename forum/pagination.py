"""Numbered pages over a total the caller already knows (a counter column), so listing a
page never needs a COUNT query."""

from dataclasses import dataclass
from math import ceil

from werkzeug.exceptions import NotFound


@dataclass(frozen=True)
class Page:
    items: list
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_index(self) -> int:
        """0-based index of the first item on this page."""
        return (self.number - 1) * self.per_page


def check_page(number: int, total: int, per_page: int) -> None:
    """Page numbers start at 1; a page past the last is 404 (page 1 always exists)."""
    if number < 1 or number > max(1, ceil(total / per_page)):
        raise NotFound("There is no such page.")


def page_of(position: int, per_page: int) -> int:
    """The page on which the item at a 1-based position appears."""
    return (position - 1) // per_page + 1
