import pytest

from tests.conftest import first_post_id


@pytest.fixture
def reacted(app, make_user, make_thread):
    """A thread by its author, a reader, and the id of the author's first post."""
    author, reader = make_user("author-ana"), make_user("reader-rob")
    thread = make_thread(author=author, title="Nerve block at L4")
    return author, reader, thread, first_post_id(app, thread)
