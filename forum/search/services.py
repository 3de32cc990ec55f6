"""Full-text search over thread titles and post bodies, on SQLite FTS5 or PostgreSQL.

One function, `search_posts`, whatever the backend; both return only what the viewer may
read (forum/threads/visibility.py: visible posts in approved threads, members-only ones
for signed-in members only), ranked by relevance or newest first, with an
excerpt whose matching words are marked."""

from dataclasses import dataclass

import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy.orm import joinedload

from forum.boards.models import Board
from forum.extensions import db
from forum.search.query import SearchQuery, parse_query
from forum.threads.models import Post, Thread
from forum.threads.visibility import post_is_public, thread_is_readable_by

SORTS = ("relevance", "newest")
# Control characters that never occur in a post (posts are stored without them): they
# mark the matches in an excerpt until the excerpt has been escaped, and stand in for
# < and > while PostgreSQL makes the excerpt (its parser would drop text that looks like
# a tag).
_START, _STOP, _LT, _GT = "\x02", "\x03", "\x04", "\x05"


@dataclass(frozen=True)
class Hit:
    post: Post
    excerpt: Markup


@dataclass(frozen=True)
class Results:
    query: SearchQuery
    hits: list[Hit]
    page: int
    per_page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def board_synonyms(boards: list[Board]) -> list[list[str]]:
    """Each treatment's names: the board's own and the aliases patients use."""
    return [[board.name, *(board.aliases or [])] for board in boards]


def search_posts(
    text: str | None,
    boards: list[Board],
    board: Board | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
    viewer=None,
) -> Results:
    """Posts matching every word or phrase of `text`, the names of `boards` (all of them,
    usually) acting as synonyms; `board` narrows the search to one board. What `viewer`
    may read only: without one, what any visitor may.

    Raises DomainError with a friendly message for a query that cannot be searched."""
    query = parse_query(text, board_synonyms(boards))
    backend = _postgresql if db.engine.dialect.name == "postgresql" else _sqlite
    matches = backend(query)
    # First the page of matches, as narrow rows (id and rank); then those few posts with
    # their excerpts and what their links need.
    order = (matches.newest,) if sort == "newest" else (matches.rank, Post.id)
    found = (
        sa.select(Post.id, matches.rank.label("rank"))
        .select_from(matches.source)
        .join(Thread, Thread.id == Post.thread_id)
        .where(
            matches.condition,
            post_is_public(),
            thread_is_readable_by(viewer),
            Post.position.is_not(None),
        )
        .order_by(*order)
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    )
    if board is not None:
        found = found.where(Thread.board_id == board.id)
    found = found.subquery()
    rows = db.session.execute(
        sa.select(Post, matches.page_excerpt)
        .join(found, found.c.id == Post.id)
        .options(joinedload(Post.thread).joinedload(Thread.board), joinedload(Post.author))
        .order_by(*((Post.id.desc(),) if sort == "newest" else (found.c.rank, Post.id)))
    ).all()
    hits = [Hit(post, _marked(excerpt)) for post, excerpt in rows[:per_page]]
    return Results(query, hits, page, per_page, has_next=len(rows) > per_page)


@dataclass(frozen=True)
class _Matches:
    """How a backend finds matching posts."""

    source: sa.FromClause  # posts, joined to the index where it is a separate table
    condition: sa.ColumnElement  # the full-text match
    rank: sa.ColumnElement  # lower is better
    newest: sa.ColumnElement  # newest first
    page_excerpt: sa.ColumnElement  # made for the page's posts only


def _marked(excerpt: str | None) -> Markup:
    """Escape the excerpt, then turn the match markers into <mark> elements."""
    text = (excerpt or "").replace(_LT, "<").replace(_GT, ">")
    text = str(escape(text))
    # Escaped on the line above; only the markers become markup (bandit reviewed).
    return Markup(text.replace(_START, "<mark>").replace(_STOP, "</mark>"))  # nosec B704


# -- SQLite FTS5 -----------------------------------------------------------------------

_fts = sa.table("post_search", sa.column("rowid"), sa.column("title"), sa.column("body"))


def _fts_match(query: SearchQuery) -> str:
    """An FTS5 query in which every word is a quoted string: no syntax gets through."""

    def phrase(alternative) -> str:
        return '"' + " ".join(alternative.words) + '"'

    return " AND ".join(
        "(" + " OR ".join(phrase(alt) for alt in group) + ")" for group in query.groups
    )


def _sqlite(query: SearchQuery):
    match = sa.text("post_search MATCH :match").bindparams(match=_fts_match(query))
    # bm25 with the title weighing five times the body; lower is better.
    rank = sa.literal_column("bm25(post_search, 5.0, 1.0)")
    excerpt = sa.literal_column(
        f"snippet(post_search, 1, '{_START}', '{_STOP}', ' … ', 24)", sa.Text
    )
    source = sa.join(Post.__table__, _fts, _fts.c.rowid == Post.id)
    # The excerpt for the page's posts only: the index looks each one up by rowid.
    page_excerpt = (
        sa.select(excerpt).select_from(_fts).where(match, _fts.c.rowid == Post.id)
    ).scalar_subquery()
    return _Matches(source, match, rank, _fts.c.rowid.desc(), page_excerpt)


# -- PostgreSQL full text ---------------------------------------------------------------

_vector = sa.literal_column("posts.search_vector")
_english = sa.literal_column("'english'::regconfig")


def _tsquery(query: SearchQuery):
    """Each alternative as a phrase query, OR within a group, AND between groups."""
    combined = None
    for group in query.groups:
        either = None
        for alt in group:
            term = sa.func.phraseto_tsquery(_english, alt.text)
            either = term if either is None else either.op("||")(term)
        combined = either if combined is None else combined.op("&&")(either)
    return combined


def _postgresql(query: SearchQuery):
    tsquery = _tsquery(query)
    # ts_rank, not ts_rank_cd: a quarter of the cost over many matches, and the title
    # (weight A) still counts above the body (weight B).
    rank = -sa.func.ts_rank(_vector, tsquery)
    excerpt = sa.func.ts_headline(
        _english,
        sa.func.translate(Post.body_source, "<>", _LT + _GT),
        tsquery,
        f"StartSel={_START}, StopSel={_STOP}, MaxWords=35, MinWords=15, "
        'MaxFragments=2, FragmentDelimiter=" … "',
    )
    condition = _vector.op("@@")(tsquery)
    return _Matches(Post.__table__, condition, rank, Post.id.desc(), excerpt)
