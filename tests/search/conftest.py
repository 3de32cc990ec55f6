"""Search helpers: the real treatment boards (their aliases are the synonyms) and a reader
for the results page."""

import html as html_lib
import re
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from forum.boards.models import Board
from forum.boards.services import seed_boards
from forum.extensions import db


@pytest.fixture
def boards(app):
    """The boards from boards.toml, by slug, with the aliases patients use."""
    with app.app_context():
        seed_boards()
        found = db.session.scalars(sa.select(Board)).all()
        for board in found:
            db.session.expunge(board)
    return {board.slug: board for board in found}


@dataclass(frozen=True)
class ShownHit:
    href: str
    title: str
    excerpt: str  # HTML, as served

    @property
    def post_id(self) -> int:
        return int(self.href.rsplit("#p", 1)[1])


_HIT = re.compile(
    r'<li class="search-hit">\s*<a class="thread-title" href="([^"]*)">(.*?)</a>'
    r'.*?<p class="excerpt">(.*?)</p>\s*</li>',
    flags=re.DOTALL,
)


def shown_hits(page: str) -> list[ShownHit]:
    """The results listed on a search page, in order."""
    return [
        ShownHit(html_lib.unescape(href), html_lib.unescape(title), excerpt)
        for href, title, excerpt in _HIT.findall(page)
    ]


def shown_ids(page: str) -> list[int]:
    return [hit.post_id for hit in shown_hits(page)]


def error_for(page: str, field: str) -> str:
    """The message shown under a field of the search form."""
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page, flags=re.DOTALL)
    assert match, f"no error message shown for {field}"
    return html_lib.unescape(match.group(1))


def search(client, q=None, **params):
    """GET /search the way the form does; returns (status, page)."""
    if q is not None:
        params["q"] = q
    response = client.get("/search", query_string=params)
    return response.status_code, response.get_data(as_text=True)
