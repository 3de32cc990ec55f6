"""search terms on PostgreSQL: each post's words and pairs of neighbouring words, indexed

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 16:00:00

A quoted phrase, or a treatment's name of two words ("morphine pump"), searched through
the full-text index of `search_vector` cost half a second at a million posts: the index
knows which posts hold both words, not where, so each of them (114,808 for "nerve pain")
was read and rechecked. `posts.search_terms` holds, for each post, its vector's lexemes
and each pair of lexemes that stand side by side ('nerv pain'), without positions; its
index hands over only the posts where a phrase's words do stand side by side, and the
vector is rechecked for those few. It replaces the vector's index, which nothing else
used: a walk over the newest posts reads the vector from the row.

`search_terms(vector)` makes the terms of a vector (the trigger that indexes a post calls
it), and `search_terms_query(phrase)` the terms any post holding the phrase must have: the
pairs of its neighbouring lexemes, and any lexeme a stop word parts from the rest.

The backfill rewrites every post's row (a few minutes at a million posts, and room for a
second copy of the table until VACUUM reclaims it). SQLite's FTS5 index knows positions:
nothing changes there.
"""
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

SEARCH_TERMS = """CREATE FUNCTION search_terms(vector tsvector) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT strip(vector) || coalesce(array_to_tsvector(array_agg(DISTINCT
        word.lexeme || ' ' || neighbour.lexeme)), '')
    FROM (SELECT lexeme, unnest(positions) AS at FROM unnest(vector)) AS word
    JOIN (SELECT lexeme, unnest(positions) AS at FROM unnest(vector)) AS neighbour
        ON neighbour.at = word.at + 1
$$"""

# Quoted, a lexeme may hold the space of a pair (query words are letters and digits only).
SEARCH_TERMS_QUERY = """CREATE FUNCTION search_terms_query(phrase text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH word AS (
        SELECT lexeme, unnest(positions) AS at FROM unnest(to_tsvector('english', phrase))
    ), term AS (
        SELECT word.lexeme || ' ' || neighbour.lexeme AS lexeme
        FROM word JOIN word AS neighbour ON neighbour.at = word.at + 1
        UNION
        SELECT lexeme FROM word WHERE NOT EXISTS (
            SELECT FROM word AS neighbour WHERE abs(neighbour.at - word.at) = 1)
    )
    SELECT coalesce(string_agg(quote_literal(lexeme), ' & '), '')::tsquery FROM term
$$"""

VECTOR_TRIGGER = """CREATE OR REPLACE FUNCTION posts_search_vector() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_vector :=
            setweight(to_tsvector('english', CASE WHEN NEW.position = 1 THEN
                coalesce((SELECT title FROM threads WHERE id = NEW.thread_id), '')
                ELSE '' END), 'A')
            || setweight(to_tsvector('english', NEW.body_source), 'B');{terms}
        RETURN NEW;
    END $$"""

UPGRADE = [
    "ALTER TABLE posts ADD COLUMN search_terms tsvector",
    SEARCH_TERMS,
    SEARCH_TERMS_QUERY,
    VECTOR_TRIGGER.format(terms="\n        NEW.search_terms := search_terms(NEW.search_vector);"),
    "UPDATE posts SET search_terms = search_terms(search_vector)",
    "CREATE INDEX ix_posts_search_terms ON posts USING gin (search_terms)",
    "DROP INDEX ix_posts_search_vector",
]

DOWNGRADE = [
    "CREATE INDEX ix_posts_search_vector ON posts USING gin (search_vector)",
    VECTOR_TRIGGER.format(terms=""),
    "DROP FUNCTION search_terms_query(text)",
    "DROP FUNCTION search_terms(tsvector)",
    "ALTER TABLE posts DROP COLUMN search_terms",  # drops its index too
]


def _run(statements):
    if op.get_bind().dialect.name == "postgresql":
        for statement in statements:
            op.execute(statement)


def upgrade():
    _run(UPGRADE)


def downgrade():
    _run(DOWNGRADE)
