"""What a thread page shows of each post, per viewer and state (forum/threads/presenters.py):
decided in Python, so the template has nothing left to decide. Pure: no database."""

import pytest

from forum.threads.presenters import present_post, reply_offer
from tests.conftest import POLICY_STATES, policy_viewer, post_in_state


def _view(viewer: str, state: str):
    post = post_in_state(state)
    return present_post(policy_viewer(viewer), post, post.thread)


@pytest.mark.parametrize(
    ("state", "placeholder"),
    [
        ("pending_reply", "Post awaiting moderator approval"),
        ("hidden_flags", "Post hidden pending moderator review"),
        ("hidden_mod", "Post hidden by a moderator"),
        ("deleted_mod", "Post removed by a moderator"),
        ("rejected_reply", "Post removed by a moderator"),
        ("deleted_author", "Post deleted by its author"),
    ],
)
def test_others_see_a_placeholder_and_no_text(state, placeholder):
    view = _view("member", state)
    assert view.placeholder == placeholder
    assert not view.shows_body
    assert view.notice is None
    assert not view.has_actions


@pytest.mark.parametrize(
    ("state", "notice", "reason"),
    [
        ("pending_reply", "Only you and the moderators see this post", None),
        ("hidden_flags", "Others see a placeholder: this post was flagged", None),
        ("hidden_mod", "Hidden by a moderator:", "Private information."),
        ("deleted_mod", "Removed by a moderator:", "Not for this forum."),
        ("rejected_reply", "Not approved by a moderator:", "Not for this forum."),
    ],
)
@pytest.mark.parametrize("viewer", ["author", "moderator"])
def test_the_author_and_moderators_are_told_why(viewer, state, notice, reason):
    view = _view(viewer, state)
    assert view.notice.startswith(notice)
    assert view.notice_reason == reason


def test_the_author_of_a_hidden_post_sees_its_text_but_may_not_edit_it():
    for state in ("hidden_flags", "hidden_mod"):
        view = _view("author", state)
        assert view.shows_body and view.placeholder is None
        assert not (view.edit or view.delete or view.quote or view.flag)


def test_the_author_of_a_waiting_post_may_edit_it_and_nothing_else():
    view = _view("author", "pending_reply")
    assert view.shows_body and view.placeholder is None
    assert view.edit
    assert not (view.delete or view.quote or view.flag)


@pytest.mark.parametrize(
    ("viewer", "offered"),
    [
        ("visitor", set()),
        ("anonymous", set()),
        ("member", {"quote", "flag"}),
        ("new_member", {"quote", "flag"}),
        ("silenced", set()),
        ("author", {"quote", "edit", "delete"}),
        ("moderator", {"quote", "edit", "flag"}),
    ],
)
def test_the_actions_on_a_visible_post(viewer, offered):
    view = _view(viewer, "public")
    actions = ("quote", "edit", "delete", "flag", "restore", "undo_delete")
    assert {name for name in actions if getattr(view, name)} == offered


def test_a_locked_thread_offers_no_quote():
    assert not _view("member", "locked").quote
    assert _view("member", "locked").flag


def test_restore_and_undo_delete_go_to_the_right_people():
    assert _view("moderator", "hidden_flags").restore
    assert _view("moderator", "deleted_mod").restore
    assert not _view("moderator", "rejected_reply").restore  # never had a place
    # What its author took back is theirs to bring back, not a moderator's.
    assert not _view("moderator", "deleted_author").restore
    assert _view("author", "deleted_author").undo_delete
    assert not _view("member", "deleted_author").undo_delete


def test_experience_report_links_for_the_author_of_the_opening_post_only():
    assert _view("author", "opening").add_report
    assert _view("author", "pending_thread").add_report
    assert not _view("author", "public").add_report  # a reply
    assert not _view("member", "opening").add_report


@pytest.mark.parametrize("state", POLICY_STATES)
def test_the_original_poster_badge_marks_replies_only(state):
    view = _view("member", state)
    assert view.is_original_poster is (post_in_state(state).position != 1)


@pytest.mark.parametrize(
    ("viewer", "state", "offer"),
    [
        ("visitor", "public", "sign_in"),
        ("member", "public", "form"),
        ("member", "members", "form"),
        ("silenced", "public", "sanctioned"),
        ("member", "locked", "locked"),
        ("moderator", "locked", "locked"),
        ("author", "pending_thread", "waiting"),
        ("moderator", "rejected_thread", "waiting"),
    ],
)
def test_the_reply_box_says_why_there_is_no_form(viewer, state, offer):
    assert reply_offer(policy_viewer(viewer), post_in_state(state).thread) == offer
