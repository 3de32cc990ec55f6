"""Search structures that live beside the models, made by migration 0006 for each backend:
SQLite's FTS5 table `post_search` (with its triggers), and PostgreSQL's tsvector column
`posts.search_vector` (with its triggers; kept in the post's row, not in the TOAST table,
since migration 0016). Made by migration 0015 for PostgreSQL, each post's board
`posts.search_board_id` (with its index and triggers); by migration 0017, its search
terms `posts.search_terms` (lexemes and pairs of neighbouring lexemes, with the GIN index
that replaced the vector's). The models do not describe them, so schema comparisons
leave them out."""

FTS_TABLE = "post_search"
# Made by migration 0018 for SQLite: the posts with the newest RECENT_POSTS ids, indexed
# again (with their triggers), so that bm25() ranks a common word's candidates there.
RECENT_FTS_TABLE = "post_search_recent"
RECENT_POSTS = 10_000
VECTOR_COLUMN = "search_vector"
TERMS_COLUMN = "search_terms"
TERMS_INDEX = "ix_posts_search_terms"
BOARD_COLUMN = "search_board_id"
BOARD_INDEX = "ix_posts_search_board"


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """For Alembic's autogenerate: skip the search structures the models do not describe."""
    if type_ == "table" and name and name.startswith(FTS_TABLE):
        return False
    if type_ == "column" and name in (VECTOR_COLUMN, TERMS_COLUMN, BOARD_COLUMN):
        return False
    return not (type_ == "index" and name in (TERMS_INDEX, BOARD_INDEX))
