"""Full-text search over thread titles and post bodies, on SQLite FTS5 or PostgreSQL.

One function, `search_posts`, whatever the backend; both return only what the viewer may
read (forum/threads/visibility.py: visible posts in approved threads, members-only ones
for signed-in members only), ranked by relevance or newest first, with an
excerpt whose matching words are marked."""

import dataclasses
import re
from dataclasses import dataclass

import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy.orm import aliased, defer, joinedload

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


# Matches ranked per search: the newest this many a viewer may read. Ranking every match
# of a treatment name (a quarter of all posts, at a million) took seconds; ranking this
# many takes milliseconds, and the page says when the cap was reached.
CANDIDATES = 1000
# PostgreSQL looks for them among the newest this many times CANDIDATES posts first.
RECENT_WINDOW_FACTOR = 10


@dataclass(frozen=True)
class Results:
    query: SearchQuery
    hits: list[Hit]
    page: int
    per_page: int
    has_next: bool
    # Matches counted, up to the cap; `capped` says more posts match than were ranked.
    total: int = 0
    capped: bool = False

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
    candidates: int | None = None,
) -> Results:
    """Posts matching every word or phrase of `text`, the names of `boards` (all of them,
    usually) acting as synonyms; `board` narrows the search to one board. What `viewer`
    may read only: without one, what any visitor may.

    Only the newest `candidates` (default CANDIDATES) matches are ranked, by relevance or
    date: the index hands them over newest first and stops there, so a name that a
    quarter of the posts contain costs what a rare word does. Results.total counts them
    and Results.capped says whether more posts match.

    Raises DomainError with a friendly message for a query that cannot be searched."""
    query = parse_query(text, board_synonyms(boards))
    candidates = candidates or CANDIDATES
    if db.engine.dialect.name == "postgresql" and board is None:
        matches = _postgresql(query)
        # First among the newest posts only: a treatment's names fill the candidates
        # there. Too few matches (a rare word, a phrase whose words are common but seldom
        # side by side): all matches, found through the full-text index.
        window = RECENT_WINDOW_FACTOR * candidates
        recent = _newest_posts(window)
        rows = _search_page(matches, viewer, board, sort, page, per_page, candidates, recent)
        # (A forum smaller than the window was searched whole already.)
        if (rows[0].total if rows else 0) < candidates and (not rows or rows[0].seen == window):
            everything = dataclasses.replace(matches, newest=(Post.id + 0).desc())
            rows = _search_page(everything, viewer, board, sort, page, per_page, candidates)
    else:
        # FTS5 hands matches over newest first (by rowid) whatever their number. On
        # PostgreSQL a board's newest posts are not a range of ids: the planner chooses.
        backend = _postgresql if db.engine.dialect.name == "postgresql" else _sqlite
        rows = _search_page(backend(query), viewer, board, sort, page, per_page, candidates)
    hits = [Hit(row.Post, _marked(row[1])) for row in rows[:per_page]]
    total = rows[0].total if rows else 0
    return Results(
        query,
        hits,
        page,
        per_page,
        has_next=len(rows) > per_page,
        total=total,
        capped=total >= candidates,
    )


def _newest_posts(count: int) -> sa.Subquery:
    """PostgreSQL: the newest `count` posts, under the table's own name so that the
    full-text expressions (which name posts.search_vector) read them: a walk of the
    primary key that stops after `count` rows, whatever the planner expects to match."""
    return (
        sa.select(
            Post.id,
            Post.thread_id,
            Post.state,
            Post.position,
            sa.literal_column("posts.search_vector").label("search_vector"),
        )
        .order_by(Post.id.desc())
        .limit(count)
        .subquery("posts")
    )


def _search_page(matches, viewer, board, sort, page, per_page, candidates, within=None):
    """One page of the candidates (the newest `candidates` matches `viewer` may read, among
    the posts of `within` if given), ranked, as (post, excerpt, total) rows."""
    post = Post if within is None else aliased(Post, within)
    newest = matches.newest if within is None else post.id.desc()
    readable = (
        sa.select(post.id.label("id"), matches.rank.label("rank"))
        .select_from(matches.source if within is None else within)
        .join(Thread, Thread.id == post.thread_id)
        .where(
            matches.condition,
            post_is_public(post),
            thread_is_readable_by(viewer),
            post.position.is_not(None),
        )
    )
    readable = readable.order_by(newest).limit(candidates)
    if board is not None:
        readable = readable.where(Thread.board_id == board.id)
    ranked = readable.subquery()
    order = (ranked.c.id.desc(),) if sort == "newest" else (ranked.c.rank, ranked.c.id)
    found = (
        sa.select(ranked.c.id, ranked.c.rank, sa.func.count().over().label("total"))
        .order_by(*order)
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
        .subquery()
    )
    # How many posts the candidates were looked for among (None: all of them).
    seen = sa.null() if within is None else sa.select(sa.func.count()).select_from(within)
    return db.session.execute(
        sa.select(Post, matches.page_excerpt, found.c.total, seen.label("seen"))
        .join(found, found.c.id == Post.id)
        .options(
            joinedload(Post.thread).joinedload(Thread.board),
            joinedload(Post.author),
            defer(Post.body_source),
        )
        .order_by(*((Post.id.desc(),) if sort == "newest" else (found.c.rank, Post.id)))
    ).all()


@dataclass(frozen=True)
class _Matches:
    """How a backend finds matching posts."""

    source: sa.FromClause  # posts, joined to the index where it is a separate table
    condition: sa.ColumnElement  # the full-text match
    rank: sa.ColumnElement  # lower is better
    newest: sa.ColumnElement  # newest first
    page_excerpt: sa.ColumnElement  # made for the page's posts only


# Markdown's own marks in an excerpt of a post's source: the reader wants the words. Links
# keep their text; emphasis, code and strike marks go; so do the marks that open a heading,
# a quote or a list item.
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)\s]*\)")
_MD_INLINE = re.compile(r"\*{1,3}|_{2,3}|~~|`+")
_MD_LINE_START = re.compile(r"(^|\n)[ \t]{0,3}(?:#{1,6}|>+|[-+]|\d{1,3}[.)])[ \t]+")


def _without_markdown(text: str) -> str:
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_LINE_START.sub(r"\1", text)
    return _MD_INLINE.sub("", text)


def _marked(excerpt: str | None) -> Markup:
    """Escape the excerpt, then turn the match markers into <mark> elements."""
    text = _without_markdown(excerpt or "").replace(_LT, "<").replace(_GT, ">")
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
    # One group (a word, a phrase, a treatment's names): walking the posts newest first
    # finds the newest matches quickly when there are many, and the planner's estimate
    # for one group is good enough to take the index when there are few. Several groups
    # that must all match are estimated as if independent, often far too high: walking
    # the table for two words that seldom meet took seconds. Those sort what the
    # full-text index finds instead (`id + 0` is not the primary key's order).
    newest = Post.id.desc() if len(query.groups) == 1 else (Post.id + 0).desc()
    return _Matches(Post.__table__, condition, rank, newest, excerpt)
