"""Search structures that live beside the models, made by migration 0006 for each backend:
SQLite's FTS5 table `post_search` (with its triggers), and PostgreSQL's tsvector column
`posts.search_vector` (with its GIN index and triggers). The models do not describe them,
so schema comparisons leave them out."""

FTS_TABLE = "post_search"
VECTOR_COLUMN = "search_vector"
VECTOR_INDEX = "ix_posts_search_vector"


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """For Alembic's autogenerate: skip the search structures the models do not describe."""
    if type_ == "table" and name and name.startswith(FTS_TABLE):
        return False
    if type_ == "column" and name == VECTOR_COLUMN:
        return False
    return not (type_ == "index" and name == VECTOR_INDEX)
