"""Thread and post services, called directly (no HTTP).

The factories write through a session of their own, so each test calls them before its
own session first reads, and re-fetches what it needs inside the test's context."""

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from forum.accounts.models import User
from forum.boards.models import Board
from forum.errors import Conflict, DomainError, NotAllowed
from forum.extensions import db
from forum.threads import services
from forum.threads.models import Post, PostRevision, Thread

# -- helpers ---------------------------------------------------------------------------


def _user(user: User) -> User:
    return db.session.get(User, user.id)


def _board(board: Board) -> Board:
    return db.session.get(Board, board.id)


def _thread(thread_id: int) -> Thread:
    return db.session.get(Thread, thread_id)


def _post(post_id: int) -> Post:
    """A post loaded the way the views load it: with thread, board and author."""
    return services.get_post_or_404(post_id)


def _first_post(thread_id: int) -> Post:
    post_id = db.session.scalar(
        sa.select(Post.id).where(Post.thread_id == thread_id, Post.position == 1)
    )
    return _post(post_id)


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _snapshot(thread_id: int, board_id: int, *user_ids: int) -> tuple:
    """Every counter a post touches, read fresh from the database."""
    db.session.expire_all()
    thread = _thread(thread_id)
    board = db.session.get(Board, board_id)
    return (
        thread.post_count,
        thread.last_poster_id,
        thread.last_post_at,
        board.thread_count,
        board.post_count,
        board.last_post_at,
        board.last_thread_id,
        tuple(db.session.get(User, user_id).post_count for user_id in user_ids),
        _count(Post, Post.thread_id == thread_id),
    )


# -- starting a thread -----------------------------------------------------------------


def test_create_thread_sets_thread_board_and_user_counters(app_ctx, make_board, member):
    board = make_board()
    post = services.create_thread(
        _user(member),
        _board(board),
        "Pulsed RF for knee pain",
        "It took **two weeks**.",
        visibility="public",
    )

    db.session.expire_all()
    thread = _thread(post.thread_id)
    assert post.position == 1
    assert post.author_id == member.id
    assert post.body_source == "It took **two weeks**."
    assert "<strong>two weeks</strong>" in post.body_html
    assert thread.title == "Pulsed RF for knee pain"
    assert thread.board_id == board.id
    assert thread.post_count == 1
    assert thread.reply_count == 0
    assert thread.last_poster_id == member.id
    assert thread.last_post_at == post.created_at

    board_row = _board(board)
    assert board_row.thread_count == 1
    assert board_row.post_count == 1
    assert board_row.last_thread_id == thread.id
    assert board_row.last_post_at == post.created_at
    assert _user(member).post_count == 1


def test_second_thread_adds_to_the_board_counters(app_ctx, make_board, make_user):
    board = make_board()
    alice, bob = make_user(), make_user()
    services.create_thread(
        _user(alice), _board(board), "First thread here", "One.", visibility="public"
    )
    second = services.create_thread(
        _user(bob), _board(board), "Second thread here", "Two.", visibility="public"
    )

    db.session.expire_all()
    board_row = _board(board)
    assert board_row.thread_count == 2
    assert board_row.post_count == 2
    assert board_row.last_thread_id == second.thread_id
    assert _user(alice).post_count == 1
    assert _user(bob).post_count == 1


def test_create_thread_collapses_whitespace_in_the_title(app_ctx, make_board, member):
    board = make_board()
    post = services.create_thread(
        _user(member),
        _board(board),
        "  Cooled   RF\n\tafter  surgery  ",
        "Body.",
        visibility="public",
    )
    assert _thread(post.thread_id).title == "Cooled RF after surgery"


@pytest.mark.parametrize(
    "title",
    ["abcde", "  ab   cd  ", "x" * 150, " " + "x" * 150 + " "],
    ids=["5-chars", "5-after-collapse", "150-chars", "150-after-strip"],
)
def test_titles_within_limits_are_accepted(app_ctx, make_board, member, title):
    board = make_board()
    post = services.create_thread(_user(member), _board(board), title, "Body.", visibility="public")
    assert _thread(post.thread_id).title == " ".join(title.split())


@pytest.mark.parametrize(
    "title",
    ["", "     ", "abcd", "a      b", "x" * 151, "ab " * 50 + "c"],
    ids=["empty", "blank", "4-chars", "3-after-collapse", "151-chars", "151-after-collapse"],
)
def test_titles_outside_limits_raise_domain_error_on_title(app_ctx, make_board, member, title):
    board = make_board()
    with pytest.raises(DomainError) as caught:
        services.create_thread(
            _user(member), _board(board), title, "A fine body.", visibility="public"
        )
    assert type(caught.value) is DomainError
    assert caught.value.field == "title"
    assert "5 to 150" in caught.value.message
    assert _count(Thread) == 0
    assert _count(Post) == 0
    assert _board(board).thread_count == 0
    assert _user(member).post_count == 0


@pytest.mark.parametrize(
    "body", ["", "   \n\t  ", "x" * 20_001], ids=["empty", "blank", "20001-chars"]
)
def test_bodies_outside_limits_raise_domain_error_on_body(app_ctx, make_board, member, body):
    board = make_board()
    with pytest.raises(DomainError) as caught:
        services.create_thread(
            _user(member), _board(board), "A valid title", body, visibility="public"
        )
    assert type(caught.value) is DomainError
    assert caught.value.field == "body"
    assert _count(Thread) == 0
    assert _board(board).post_count == 0


def test_body_limits_are_inclusive(app_ctx, make_board, member):
    board = make_board()
    short = services.create_thread(
        _user(member), _board(board), "Short body", "x", visibility="public"
    )
    long = services.create_thread(
        _user(member), _board(board), "Long body", "y" * 20_000, visibility="public"
    )
    assert _post(short.id).body_source == "x"
    assert _post(long.id).body_source == "y" * 20_000


def test_body_whitespace_is_trimmed_and_line_endings_normalised(app_ctx, make_board, member):
    board = make_board()
    post = services.create_thread(
        _user(member), _board(board), "Line endings", "\r\n  one\r\ntwo  \r\n", visibility="public"
    )
    assert _post(post.id).body_source == "one\ntwo"


def test_same_submission_key_creates_one_thread(app_ctx, make_board, member):
    board = make_board()
    first = services.create_thread(
        _user(member),
        _board(board),
        "Double click",
        "Once.",
        submission_key="key-1",
        visibility="public",
    )
    again = services.create_thread(
        _user(member),
        _board(board),
        "Double click",
        "Once.",
        submission_key="key-1",
        visibility="public",
    )

    assert again.id == first.id
    assert again.thread_id == first.thread_id
    assert _count(Thread) == 1
    assert _count(Post) == 1
    db.session.expire_all()
    assert _board(board).thread_count == 1
    assert _board(board).post_count == 1
    assert _user(member).post_count == 1


# -- replying --------------------------------------------------------------------------


def test_reply_increments_counters_and_takes_next_position(app_ctx, make_thread, make_user, member):
    thread = make_thread(author=member)
    alice, bob = make_user(), make_user()

    first = services.reply_to_thread(_user(alice), _thread(thread.id), "First reply.")
    second = services.reply_to_thread(_user(bob), _thread(thread.id), "Second reply.")

    assert (first.position, second.position) == (2, 3)
    db.session.expire_all()
    thread_row = _thread(thread.id)
    assert thread_row.post_count == 3
    assert thread_row.reply_count == 2
    assert thread_row.last_poster_id == bob.id
    assert thread_row.last_post_at == second.created_at
    assert thread_row.last_post_at > thread_row.created_at

    board_row = db.session.get(Board, thread.board_id)
    assert board_row.thread_count == 1
    assert board_row.post_count == 3
    assert board_row.last_thread_id == thread.id
    assert board_row.last_post_at == second.created_at

    assert _user(member).post_count == 1
    assert _user(alice).post_count == 1
    assert _user(bob).post_count == 1
    positions = db.session.scalars(
        sa.select(Post.position).where(Post.thread_id == thread.id).order_by(Post.id)
    ).all()
    assert positions == [1, 2, 3]


def test_reply_moves_board_latest_thread_to_the_replied_thread(
    app_ctx, make_board, make_thread, member
):
    board = make_board()
    older = make_thread(board=board, title="The older thread")
    newer = make_thread(board=board, title="The newer thread")
    assert _board(board).last_thread_id == newer.id

    services.reply_to_thread(_user(member), _thread(older.id), "Bumping the older one.")

    db.session.expire_all()
    assert _board(board).last_thread_id == older.id


def test_locked_thread_refuses_reply_and_changes_no_counter(app_ctx, make_thread, member):
    thread = make_thread()
    locked = _thread(thread.id)
    locked.is_locked = True
    db.session.commit()
    before = _snapshot(thread.id, thread.board_id, member.id)

    with pytest.raises(NotAllowed) as caught:
        services.reply_to_thread(_user(member), _thread(thread.id), "Let me in.")

    assert "locked" in caught.value.message
    assert _snapshot(thread.id, thread.board_id, member.id) == before
    assert _count(Post, Post.author_id == member.id) == 0


def test_same_submission_key_creates_one_reply(app_ctx, make_thread, member):
    thread = make_thread()
    first = services.reply_to_thread(
        _user(member), _thread(thread.id), "Only once.", submission_key="reply-key"
    )
    before = _snapshot(thread.id, thread.board_id, member.id)

    again = services.reply_to_thread(
        _user(member), _thread(thread.id), "Only once.", submission_key="reply-key"
    )

    assert again.id == first.id
    assert again.position == 2
    assert _snapshot(thread.id, thread.board_id, member.id) == before
    assert _count(Post, Post.thread_id == thread.id) == 2


def test_submission_keys_belong_to_their_author(app_ctx, make_thread, make_user):
    thread = make_thread()
    alice, bob = make_user(), make_user()
    by_alice = services.reply_to_thread(_user(alice), _thread(thread.id), "A.", "same-key")
    by_bob = services.reply_to_thread(_user(bob), _thread(thread.id), "B.", "same-key")

    assert by_alice.id != by_bob.id
    assert (by_alice.position, by_bob.position) == (2, 3)


def test_reply_body_limits_raise_domain_error_on_body(app_ctx, make_thread, member):
    thread = make_thread()
    before = _snapshot(thread.id, thread.board_id, member.id)
    for body in ("", "  \n ", "z" * 20_001):
        with pytest.raises(DomainError) as caught:
            services.reply_to_thread(_user(member), _thread(thread.id), body)
        assert caught.value.field == "body"
    assert _snapshot(thread.id, thread.board_id, member.id) == before


# -- editing ---------------------------------------------------------------------------


def test_edit_post_keeps_old_text_as_revision_and_bumps_version(
    app_ctx, make_thread, make_post, member
):
    thread = make_thread()
    reply = make_post(thread, author=member, body="Original *text*.")
    original = _post(reply.id)
    created_at, old_html = original.created_at, original.body_html

    edited = services.edit_post(_user(member), original, "Better **text**.", version=1)

    assert edited.version == 2
    assert edited.body_source == "Better **text**."
    assert "<strong>text</strong>" in edited.body_html
    assert edited.edited_by_id == member.id
    assert edited.edited_at is not None
    assert edited.edited_at >= created_at
    assert edited.created_at == created_at

    revisions = db.session.scalars(
        sa.select(PostRevision).where(PostRevision.post_id == reply.id)
    ).all()
    assert len(revisions) == 1
    assert revisions[0].body_source == "Original *text*."
    assert revisions[0].body_html == old_html
    assert revisions[0].editor_id == member.id
    assert revisions[0].created_at == created_at


def test_stale_version_raises_conflict_and_changes_nothing(app_ctx, make_thread, make_post, member):
    reply = make_post(make_thread(), author=member, body="Version one.")
    services.edit_post(_user(member), _post(reply.id), "Version two.", version=1)

    with pytest.raises(Conflict) as caught:
        services.edit_post(_user(member), _post(reply.id), "Overwriting blindly.", version=1)

    assert caught.value.field == "body"
    db.session.expire_all()
    post = _post(reply.id)
    assert post.body_source == "Version two."
    assert post.version == 2
    assert _count(PostRevision, PostRevision.post_id == reply.id) == 1


def test_version_from_the_future_is_also_a_conflict(app_ctx, make_thread, make_post, member):
    reply = make_post(make_thread(), author=member, body="Version one.")
    with pytest.raises(Conflict):
        services.edit_post(_user(member), _post(reply.id), "Skipping ahead.", version=5)
    assert _post(reply.id).body_source == "Version one."


def test_editing_another_members_post_is_not_allowed(app_ctx, make_thread, make_post, member, fred):
    reply = make_post(make_thread(), author=member, body="My experience.")

    with pytest.raises(NotAllowed):
        services.edit_post(_user(fred), _post(reply.id), "Vandalised.", version=1)

    db.session.expire_all()
    post = _post(reply.id)
    assert post.body_source == "My experience."
    assert post.version == 1
    assert post.edited_at is None
    assert _count(PostRevision) == 0


def test_editing_the_first_post_can_rename_the_thread(app_ctx, make_thread, member):
    thread = make_thread(author=member, title="Original title here")

    services.edit_post(
        _user(member), _first_post(thread.id), "New body.", version=1, title="  Renamed   thread "
    )

    db.session.expire_all()
    assert _thread(thread.id).title == "Renamed thread"
    assert _first_post(thread.id).body_source == "New body."


def test_title_given_when_editing_a_reply_does_not_rename_the_thread(
    app_ctx, make_thread, make_post, member
):
    thread = make_thread(title="Original title here")
    reply = make_post(thread, author=member)

    services.edit_post(_user(member), _post(reply.id), "Edited.", version=1, title="Hijacked")

    db.session.expire_all()
    assert _thread(thread.id).title == "Original title here"


@pytest.mark.parametrize(
    ("title", "body", "field"),
    [("Tiny", "Fine body.", "title"), ("A fine title", "   ", "body")],
    ids=["short-title", "blank-body"],
)
def test_invalid_edit_raises_on_field_and_changes_nothing(
    app_ctx, make_thread, member, title, body, field
):
    thread = make_thread(author=member, title="Original title here", body="Original body.")

    with pytest.raises(DomainError) as caught:
        services.edit_post(_user(member), _first_post(thread.id), body, version=1, title=title)

    assert caught.value.field == field
    db.session.rollback()
    db.session.expire_all()
    first = _first_post(thread.id)
    assert _thread(thread.id).title == "Original title here"
    assert first.body_source == "Original body."
    assert first.version == 1
    assert _count(PostRevision) == 0


# -- deleting --------------------------------------------------------------------------


def test_delete_post_soft_deletes_and_keeps_the_text(app_ctx, make_thread, make_post, member):
    thread = make_thread()
    reply = make_post(thread, author=member, body="Regrettable words.")
    before = _snapshot(thread.id, thread.board_id, member.id)

    services.delete_post(_user(member), _post(reply.id))

    db.session.expire_all()
    post = db.session.get(Post, reply.id)
    assert post.state == "deleted"
    assert not post.is_visible
    assert post.body_source == "Regrettable words."
    assert post.position == 2
    # The post keeps its place, so no counter moves.
    assert _snapshot(thread.id, thread.board_id, member.id) == before


def test_others_cannot_delete_a_post(app_ctx, make_thread, make_post, member, fred):
    reply = make_post(make_thread(), author=member, body="Stays put.")

    with pytest.raises(NotAllowed):
        services.delete_post(_user(fred), _post(reply.id))

    db.session.expire_all()
    post = db.session.get(Post, reply.id)
    assert post.state == "visible"
    assert post.version == 1


def test_a_deleted_post_cannot_be_edited(app_ctx, make_thread, make_post, member):
    reply = make_post(make_thread(), author=member, body="Gone.")
    services.delete_post(_user(member), _post(reply.id))
    post = _post(reply.id)

    with pytest.raises(NotAllowed):
        services.edit_post(_user(member), post, "Back again.", version=post.version)

    db.session.expire_all()
    post = db.session.get(Post, reply.id)
    assert post.state == "deleted"
    assert post.body_source == "Gone."


# -- versions --------------------------------------------------------------------------


def test_list_versions_is_newest_first_with_the_original_as_version_one(
    app_ctx, make_thread, make_post, member
):
    reply = make_post(make_thread(), author=member, body="First words.")
    created_at = _post(reply.id).created_at
    services.edit_post(_user(member), _post(reply.id), "Second words.", version=1)
    services.edit_post(_user(member), _post(reply.id), "Third words.", version=2)

    versions = services.list_versions(_post(reply.id))

    assert [v.number for v in versions] == [3, 2, 1]
    assert [v.is_current for v in versions] == [True, False, False]
    assert "Third words." in versions[0].body_html
    assert "Second words." in versions[1].body_html
    assert "First words." in versions[2].body_html
    assert versions[2].written_at == created_at
    assert all(v.author.id == member.id for v in versions)
    assert versions[0].written_at >= versions[1].written_at >= versions[2].written_at


def test_an_unedited_post_has_one_current_version(app_ctx, make_thread, make_post, member):
    reply = make_post(make_thread(), author=member, body="Never changed.")

    versions = services.list_versions(_post(reply.id))

    assert len(versions) == 1
    assert versions[0].number == 1
    assert versions[0].is_current
    assert "Never changed." in versions[0].body_html
    assert versions[0].author.id == member.id


# -- listing and pages -----------------------------------------------------------------


def test_list_posts_pages_by_position(app_ctx, make_thread, make_post, member):
    thread = make_thread(body="Post number 1")
    for number in range(2, 8):
        make_post(thread, author=member, body=f"Post number {number}")
    thread_row = _thread(thread.id)

    pages = [services.list_posts(thread_row, number, 3) for number in (1, 2, 3)]

    assert [[p.position for p in page.items] for page in pages] == [[1, 2, 3], [4, 5, 6], [7]]
    assert [p.body_source for p in pages[1].items] == [f"Post number {n}" for n in (4, 5, 6)]
    assert pages[0].pages == 3
    assert pages[0].total == 7
    assert (pages[0].has_prev, pages[0].has_next) == (False, True)
    assert (pages[2].has_prev, pages[2].has_next) == (True, False)


def test_list_posts_includes_deleted_posts_in_their_place(app_ctx, make_thread, make_post, member):
    thread = make_thread()
    gone = make_post(thread, author=member, body="To be deleted")
    make_post(thread, author=member, body="After it")
    services.delete_post(_user(member), _post(gone.id))

    page = services.list_posts(_thread(thread.id), 1, 20)

    assert [(p.position, p.state) for p in page.items] == [
        (1, "visible"),
        (2, "deleted"),
        (3, "visible"),
    ]


@pytest.mark.parametrize("page", [0, -1, 3, 99])
def test_post_pages_outside_the_thread_raise_not_found(
    app_ctx, make_thread, make_post, member, page
):
    thread = make_thread()
    for _ in range(4):
        make_post(thread, author=member)

    with pytest.raises(NotFound):
        services.list_posts(_thread(thread.id), page, 3)


def test_first_page_of_an_empty_board_is_fine_but_the_second_is_not(app_ctx, make_board):
    board = _board(make_board())

    page = services.list_threads(board, 1, 25)

    assert page.items == []
    assert page.pages == 1
    assert not page.has_next
    with pytest.raises(NotFound):
        services.list_threads(board, 2, 25)


def test_list_threads_pages_past_the_end_raise_not_found(app_ctx, make_board, make_thread):
    board = make_board()
    for number in range(3):
        make_thread(board=board, title=f"Thread number {number}")
    board_row = _board(board)

    assert len(services.list_threads(board_row, 1, 2).items) == 2
    assert len(services.list_threads(board_row, 2, 2).items) == 1
    with pytest.raises(NotFound):
        services.list_threads(board_row, 3, 2)
