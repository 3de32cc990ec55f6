"""Full-text search over thread titles and post bodies, on SQLite FTS5 or PostgreSQL.

One function, `search_posts`, whatever the backend; both return only what the viewer may
read (forum/policy/threads.py: visible posts in approved threads, members-only ones
for signed-in members only), ranked by relevance or newest first, with an
excerpt whose matching words are marked."""

import dataclasses
import math
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import NamedTuple

import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy.orm import aliased, joinedload, load_only

from forum.accounts.models import User
from forum.boards.models import Board
from forum.extensions import db
from forum.policy.threads import post_is_public, thread_is_readable_by, threads_readable
from forum.policy.viewer import is_signed_in
from forum.search.query import SearchQuery, parse_query
from forum.search.schema import FTS_TABLE, RECENT_FTS_TABLE
from forum.threads.models import Post, Thread

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
# How far past the expected length a walk over older posts goes, so that it seldom falls
# short (density varies from one stretch of posts to the next).
WALK_MARGIN = 1.5
# What the full-text index costs per post it hands over, in posts walked: its rows are
# random reads, each rechecked (phrases) from its stored vector, where a walk reads rows
# in order (10-12 against 2.6 µs a post, at a million posts).
INDEXED_POST_COST = 4


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
    board_id = board.id if board is not None else None
    if db.engine.dialect.name == "postgresql":
        return _search_newest_first(query, viewer, board_id, sort, page, per_page, candidates)
    # FTS5 hands matches over newest first (by rowid) whatever their number, but bm25()
    # reads every post of each phrase to weigh it: the newest posts' own index (migration
    # 0018) ranks the candidates when it holds them all, and the full one otherwise.
    for table in (RECENT_FTS_TABLE, FTS_TABLE):
        matches = _sqlite(query, table)
        rows = _search_page(matches, viewer, board_id, sort, page, per_page, candidates)
        if rows and rows[0].total >= candidates:
            break
    return _page_results(query, rows, page, per_page, candidates)


def _page_results(query, rows, page, per_page, candidates, total=None) -> Results:
    """Results from _search_page's rows (`total`: the count, when no row carries it)."""
    total = rows[0].total if rows else total or 0
    return Results(
        query,
        [Hit(row.Post, _marked(row[1])) for row in rows],
        page,
        per_page,
        has_next=(page - 1) * per_page + len(rows) < total,
        total=total,
        capped=total >= candidates,
    )


def _search_newest_first(query, viewer, board_id, sort, page, per_page, candidates) -> Results:
    """PostgreSQL: the newest posts (of board `board_id`, if given) are walked first, where a
    treatment's names fill the candidates in one statement.

    The full-text index hands over every post that has the words (and, since migration
    0017, a phrase's neighbouring words side by side), in no useful order, each a random
    read, rechecked from its stored vector when the query has phrases: for "rhizotomy
    knee" it rechecked 57,000 posts at a million, in half a second. So when the newest
    posts hold too few matches, their density sizes a walk over older ones, for as long as
    walking looks cheaper than the index; the rest (a rare word, a phrase whose words are
    common but seldom side by side) is left to the index. Every post is looked at by a
    walk or by the index."""
    matches = _postgresql(query)
    window = RECENT_WINDOW_FACTOR * candidates
    rows = _search_page(matches, viewer, board_id, sort, page, per_page, candidates, window)
    past_them = not rows and page > 1
    if past_them:
        # A page past the matches among the newest posts: their first page says how many
        # and how dense they are. Without it only the index is left, and for a common word
        # it hands over every match (a quarter of the posts: seconds at a million).
        rows = _search_page(matches, viewer, board_id, sort, 1, per_page, candidates, window)
    if rows and (rows[0].total >= candidates or rows[0].unwalked is None):
        if past_them:  # they are all the candidates there are: nothing is on this page
            return _page_results(query, [], page, per_page, candidates, total=rows[0].total)
        return _page_results(query, rows, page, per_page, candidates)
    if rows:
        newest = list(map(_Candidate, rows[0].known_ids, rows[0].known_ranks))
        found = _older_matches(
            matches, viewer, board_id, candidates, newest, window, rows[0].unwalked
        )
    else:  # no match among the newest posts (or a page past the last): no density to go by
        found = _indexed_matches(matches, viewer, board_id, candidates, None)
    ranked = _ranked(found, sort)
    first = (page - 1) * per_page
    return Results(
        query,
        _hits(matches, viewer, [candidate.id for candidate in ranked[first : first + per_page]]),
        page,
        per_page,
        has_next=len(ranked) > first + per_page,
        total=len(found),
        capped=len(found) >= candidates,
    )


class _Candidate(NamedTuple):
    id: int
    rank: float


def _older_matches(matches, viewer, board_id, wanted: int, found: list, walked: int, start: int):
    """`found`: the matches among the `walked` newest posts (of board `board_id`, if
    given), too few; `start`: the newest post not walked. The newest `wanted` matches, as
    (id, rank), newest first."""
    posts = _next_walk(len(found), walked, wanted - len(found), start)
    while posts is not None:
        walk = _walk(matches, viewer, board_id, wanted - len(found), posts, start)
        rows = db.session.execute(walk, matches.words).all()
        found = found + rows
        if len(found) >= wanted or (rows and rows[0].unwalked is None):
            return found  # enough, or every post was walked
        if not rows:
            break  # the density fell: the index, from where this walk started
        walked, start = walked + posts, rows[0].unwalked
        posts = _next_walk(len(found), walked, wanted - len(found), start)
    return found + _indexed_matches(matches, viewer, board_id, wanted - len(found), start)


def _next_walk(found: int, walked: int, missing: int, older: int) -> int | None:
    """How many older posts to walk for the `missing` matches, judging by the `found`
    among the `walked` newest; None when the index should find them instead. About
    `older` posts are left (ids count up from one): the index would hand over at least
    the matches among them (on every board: a board's own are filtered from those)."""
    density = found / walked
    posts = math.ceil(missing / density * WALK_MARGIN)
    if posts > INDEXED_POST_COST * density * older:
        return None
    return posts


def _walk(matches, viewer, board_id, wanted: int, posts: int, start: int) -> sa.Select:
    """PostgreSQL: the newest `wanted` matches among `posts` posts (of board `board_id`,
    if given) walked from id `start` down, as (id, rank, the next walk's start: None when
    this one reaches the oldest)."""
    window = _newest_posts(posts, start, board_id)
    return _matching(matches, is_signed_in(viewer), None, wanted, window).add_columns(
        _unwalked(posts, start, board_id).label("unwalked")
    )


def _indexed_matches(matches, viewer, board_id, wanted: int, up_to: int | None) -> list:
    """PostgreSQL: the newest `wanted` matches (on board `board_id`, if given) with ids up
    to `up_to` (all, if None), found through the full-text index: its matches sorted
    (`id + 0`), not the primary key walked on to the oldest post."""
    indexed = dataclasses.replace(matches, newest=(Post.id + 0).desc())
    statement = _matching(indexed, is_signed_in(viewer), board_id, wanted, up_to=up_to)
    return db.session.execute(statement, matches.words).all()


def _newest_posts(count, start: int | None = None, board_id=None) -> sa.Subquery:
    """PostgreSQL: the newest `count` posts (from id `start` down, if given; of board
    `board_id`, if given), under the table's own name so that the full-text expressions
    (which name posts.search_vector) read them: a walk of the primary key, or of a board's
    posts by id (migration 0015), that stops after `count` rows, whatever the planner
    expects to match."""
    newest = sa.select(
        Post.id,
        Post.thread_id,
        Post.state,
        Post.position,
        sa.literal_column("posts.search_vector").label("search_vector"),
    )
    return _posts_from(newest, start, board_id).limit(count).subquery("posts")


def _unwalked(count, start: int | None = None, board_id=None) -> sa.ScalarSelect:
    """The id of the newest post older than those _newest_posts(count, start, board_id)
    walks: where the next walk starts. None when that one reaches the oldest post."""
    newest = _posts_from(sa.select(Post.id), start, board_id).offset(count).limit(1)
    return newest.scalar_subquery()


def _posts_from(posts: sa.Select, start: int | None, board_id) -> sa.Select:
    """`posts` newest first, from id `start` down (if given), of board `board_id` only (if
    given)."""
    if start is not None:
        posts = posts.where(Post.id <= start)
    if board_id is not None:
        posts = posts.where(_board == board_id)
    return posts.order_by(Post.id.desc())


def _matching(matches, signed_in: bool, board_id, wanted, within=None, up_to=None) -> sa.Select:
    """The newest `wanted` matches a member (`signed_in`) or a visitor may read, as (id,
    rank): among the posts of `within` if given, else among all posts (with ids up to
    `up_to`, if given)."""
    post = Post if within is None else aliased(Post, within)
    newest = matches.newest if within is None else post.id.desc()
    readable = (
        sa.select(post.id.label("id"), matches.rank.label("rank"))
        .select_from(matches.source if within is None else within)
        .join(Thread, Thread.id == post.thread_id)
        .where(
            matches.indexed if within is None else matches.condition,
            post_is_public(post),
            threads_readable(signed_in),
            post.position.is_not(None),
        )
        .order_by(newest)
        .limit(wanted)
    )
    if board_id is not None:
        readable = readable.where(Thread.board_id == board_id)
    if up_to is not None:
        readable = readable.where(post.id <= up_to)
    return readable


def _search_page(matches, viewer, board_id, sort, page, per_page, candidates, window=None):
    """One page of the candidates (the newest `candidates` matches `viewer` may read, on
    board `board_id` if given, among the newest `window` posts if given), ranked, as
    (post, excerpt, total) rows.
    With a window that holds too few matches, also (on the first row) the newest post
    past it (unwalked) and the ids and ranks of them all (known_ids, known_ranks), to look
    further."""
    statement = _page_statement(
        matches.shape, is_signed_in(viewer), board_id is not None, sort, window is not None
    )
    first = (page - 1) * per_page
    numbers = {
        "first": first,
        "place": first + 1,
        "per_page": per_page,
        "candidates": candidates,
        "window": window,
        "board_id": board_id,
    }
    return db.session.execute(statement, {**matches.words, **numbers}).all()


def _number(name: str) -> sa.BindParameter:
    return sa.bindparam(name, type_=sa.Integer)


@lru_cache(maxsize=256)
def _page_statement(shape, signed_in: bool, on_board: bool, sort: str, windowed: bool):
    """_search_page's statement, built once for each shape of query (how many groups of
    words and names, and how many names in each: see _Matches), kind of viewer, sort and
    window. Built on every search, it took a third of the worker's CPU (5 of 16 ms at a
    million posts). The words, the board and the numbers are parameters (the words are
    written in when it runs, see _tsquery)."""
    matches = _matches_of_shape(shape)
    board_id = _number("board_id") if on_board else None
    window, candidates = _number("window"), _number("candidates")
    within = _newest_posts(window, board_id=board_id) if windowed else None
    ranked = _matching(matches, signed_in, board_id, candidates, within).subquery()
    order = (ranked.c.id.desc(),) if sort == "newest" else (ranked.c.rank, ranked.c.id)
    found = (
        sa.select(
            ranked.c.id,
            ranked.c.rank,
            sa.func.count().over().label("total"),
            *(_known(ranked, order) if windowed else []),
        )
        .order_by(*order)
        .limit(_number("per_page"))
        .offset(_number("first"))
        .subquery()
    )
    columns = [Post, matches.page_excerpt, found.c.total]
    if windowed:
        # On the page's first row only, and only when the window held too few matches:
        # parsing the arrays costs, and finding the next walk's start (a scan of the
        # window's ids) is left undone inside a CASE that does not need it.
        needed = sa.and_(found.c.total < candidates, found.c.place == _number("place"))
        columns += [
            sa.case((needed, _unwalked(window, board_id=board_id))).label("unwalked"),
            sa.case((needed, found.c.known_ids)).label("known_ids"),
            sa.case((needed, found.c.known_ranks)).label("known_ranks"),
        ]
    return (
        sa.select(*columns)
        .join(found, found.c.id == Post.id)
        .options(*_hit_columns())
        .order_by(*((Post.id.desc(),) if sort == "newest" else (found.c.rank, Post.id)))
    )


@cache  # made once the models are all mapped, not when this module is imported
def _hit_columns() -> tuple:
    """What a hit shows (templates/search/index.html, post_url): the rest of four wide
    rows, the post's HTML above all (kept out of the row since migration 0016), is not
    loaded."""
    return (
        load_only(Post.thread_id, Post.author_id, Post.position, Post.created_at),
        joinedload(Post.thread)
        .load_only(Thread.title, Thread.visibility, Thread.post_count, Thread.board_id)
        .joinedload(Thread.board)
        .load_only(Board.name),
        joinedload(Post.author).load_only(User.display_name),
    )


def _known(ranked, order) -> list:
    """Every candidate's id and rank (two arrays in the same order, known_ids and
    known_ranks) and each one's place in the page order."""
    return [
        sa.func.array_agg(ranked.c.id).over().label("known_ids"),
        sa.func.array_agg(ranked.c.rank).over().label("known_ranks"),
        sa.func.row_number().over(order_by=order).label("place"),
    ]


def _ranked(found: list, sort: str) -> list:
    """Candidates in the page's order, as _search_page ranks them (ties by id)."""
    if sort == "newest":
        return sorted(found, key=lambda candidate: candidate.id, reverse=True)
    return sorted(found, key=lambda candidate: (candidate.rank, candidate.id))


def _hits(matches, viewer, ids: list[int]) -> list[Hit]:
    """The posts of `ids`, in that order, with their excerpts; asked again whether `viewer`
    may read them, since one may have been hidden since it was found."""
    if not ids:
        return []
    rows = db.session.execute(
        sa.select(Post, matches.page_excerpt)
        .join(Thread, Thread.id == Post.thread_id)
        .where(
            Post.id.in_(ids),
            post_is_public(Post),
            thread_is_readable_by(viewer),
            Post.position.is_not(None),
        )
        .options(*_hit_columns()),
        matches.words,
    ).all()
    by_id = {row.Post.id: row for row in rows}
    return [Hit(by_id[id].Post, _marked(by_id[id][1])) for id in ids if id in by_id]


@dataclass(frozen=True)
class _Matches:
    """How a backend finds matching posts: SQL made once for each shape of query, with
    the words as parameters, and the words of this query."""

    source: sa.FromClause  # posts, joined to the index where it is a separate table
    condition: sa.ColumnElement  # the full-text match, of a post at hand
    indexed: sa.ColumnElement  # the same, as the full-text index finds the posts
    rank: sa.ColumnElement  # lower is better
    newest: sa.ColumnElement  # newest first
    page_excerpt: sa.ColumnElement  # made for the page's posts only
    shape: tuple  # the backend, and what else the SQL depends on
    words: dict = dataclasses.field(default_factory=dict)  # each word parameter's value


def _matches_of_shape(shape: tuple) -> _Matches:
    return _sqlite_matches(shape[1]) if shape[0] == "sqlite" else _postgresql_matches(shape[1])


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


def _fts_match(query: SearchQuery) -> str:
    """An FTS5 query in which every word is a quoted string: no syntax gets through."""

    def phrase(alternative) -> str:
        return '"' + " ".join(alternative.words) + '"'

    return " AND ".join(
        "(" + " OR ".join(phrase(alt) for alt in group) + ")" for group in query.groups
    )


def _sqlite(query: SearchQuery, table: str) -> _Matches:
    return dataclasses.replace(_sqlite_matches(table), words={"match": _fts_match(query)})


@cache
def _sqlite_matches(table: str) -> _Matches:
    """The matches in FTS5 table `table`: the full index or the newest posts' (schema.py)."""
    fts = sa.table(table, sa.column("rowid"), sa.column("title"), sa.column("body"))
    match = sa.text(f"{table} MATCH :match")
    # bm25 with the title weighing five times the body; lower is better.
    rank = sa.literal_column(f"bm25({table}, 5.0, 1.0)")
    excerpt = sa.literal_column(f"snippet({table}, 1, '{_START}', '{_STOP}', ' … ', 24)", sa.Text)
    source = sa.join(Post.__table__, fts, fts.c.rowid == Post.id)
    # The excerpt for the page's posts only: the index looks each one up by rowid.
    page_excerpt = (
        sa.select(excerpt).select_from(fts).where(match, fts.c.rowid == Post.id)
    ).scalar_subquery()
    shape = ("sqlite", table)
    return _Matches(source, match, match, rank, fts.c.rowid.desc(), page_excerpt, shape)


# -- PostgreSQL full text ---------------------------------------------------------------

_vector = sa.literal_column("posts.search_vector")
_terms = sa.literal_column("posts.search_terms")  # migration 0017
_board = sa.literal_column("posts.search_board_id")  # migration 0015
_english = sa.literal_column("'english'::regconfig")


def _word(group: int, alternative: int) -> str:
    return f"word_{group}_{alternative}"


def _tsquery(group_sizes: tuple[int, ...], phrase_query=None):
    """Each alternative as a phrase query, OR within a group, AND between groups: for
    groups of these sizes, the words parameters (named by _word). `phrase_query` makes an
    alternative's query from its words (by default, phraseto_tsquery's).

    The words are written into the statement when it runs (they are letters and digits
    only, see forum/search/query.py), not bound: psycopg prepares a statement run five
    times, and the generic plan PostgreSQL then settles on cannot fold bound words into a
    constant query. It would parse and stem every phrase again for each row it reads (ten
    times slower on a walk over the newest posts), and estimate matches without them."""
    phrase_query = phrase_query or (lambda words: sa.func.phraseto_tsquery(_english, words))
    combined = None
    for group, size in enumerate(group_sizes):
        either = None
        for alternative in range(size):
            words = sa.bindparam(_word(group, alternative), type_=sa.String, literal_execute=True)
            term = phrase_query(words)
            either = term if either is None else either.op("||")(term)
        combined = either if combined is None else combined.op("&&")(either)
    return combined


def _postgresql(query: SearchQuery) -> _Matches:
    words = {
        _word(group, n): alternative.text
        for group, alternatives in enumerate(query.groups)
        for n, alternative in enumerate(alternatives)
    }
    sizes = tuple(len(alternatives) for alternatives in query.groups)
    return dataclasses.replace(_postgresql_matches(sizes), words=words)


@lru_cache(maxsize=256)
def _postgresql_matches(group_sizes: tuple[int, ...]) -> _Matches:
    tsquery = _tsquery(group_sizes)
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
    # The index (migration 0017) holds each post's lexemes and pairs of neighbouring ones:
    # it hands over the posts where a phrase's words stand side by side, not every post
    # that holds them somewhere, and the vector is rechecked for those.
    terms = _tsquery(group_sizes, sa.func.search_terms_query)
    indexed = sa.and_(_terms.op("@@")(terms), condition)
    # One group (a word, a phrase, a treatment's names): walking the posts newest first
    # finds the newest matches quickly when there are many, and the planner's estimate
    # for one group is good enough to take the index when there are few. Several groups
    # that must all match are estimated as if independent, often far too high: walking
    # the table for two words that seldom meet took seconds. Those sort what the
    # full-text index finds instead (`id + 0` is not the primary key's order).
    newest = Post.id.desc() if len(group_sizes) == 1 else (Post.id + 0).desc()
    shape = ("postgresql", group_sizes)
    return _Matches(Post.__table__, condition, indexed, rank, newest, excerpt, shape)
