"""describe() and target_path(): the one-line summaries the page and e-mails share."""

import pytest

from forum.accounts.models import User
from forum.boards.models import Board
from forum.notifications.models import NOTIFICATION_KINDS, Notification
from forum.notifications.services import describe, target_path
from forum.threads.models import Thread

THREAD = Thread(id=7, title="Second RFA at L4-L5")
BOARD = Board(id=3, slug="rfa", name="Radiofrequency ablation")
MOD = User(id=2, display_name="mod-maria")


def _note(kind: str, **values) -> Notification:
    values.setdefault("thread", THREAD)
    values.setdefault("thread_id", THREAD.id)
    values.setdefault("actor", MOD)
    values.setdefault("board", None)
    values.setdefault("post_id", 11)
    values.setdefault("count", 1)
    return Notification(kind=kind, **values)


@pytest.mark.parametrize(
    ("kind", "values", "summary", "path"),
    [
        ("reply", {"count": 3}, "3 new replies in “Second RFA at L4-L5”", "/p/11"),
        ("reply", {}, "mod-maria replied in “Second RFA at L4-L5”", "/p/11"),
        (
            "thread",
            {"board": BOARD},
            "mod-maria started “Second RFA at L4-L5” in Radiofrequency ablation",
            "/p/11",
        ),
        ("mention", {}, "mod-maria mentioned you in “Second RFA at L4-L5”", "/p/11"),
        ("quote", {}, "mod-maria quoted your post in “Second RFA at L4-L5”", "/p/11"),
        (
            "flag_decided",
            {"text": "declined"},
            "Your flag on a post in “Second RFA at L4-L5” was declined",
            "/settings/flags",
        ),
        (
            "post_hidden",
            {"text": "hidden: reason: with a colon"},
            "A moderator hid your post in “Second RFA at L4-L5”: reason: with a colon",
            "/p/11",
        ),
        (
            "post_restored",
            {"text": "restored"},
            "A moderator restored your post in “Second RFA at L4-L5”",
            "/p/11",
        ),
        (
            "sanction",
            {"text": "silence until 03 May 2031, 12:00 UTC: Heated", "thread": None},
            "A moderator silenced you until 03 May 2031, 12:00 UTC: Heated",
            "/settings/sanctions",
        ),
        (
            "appeal_decided",
            {"text": "overturned", "thread": None},
            "A moderator decided your appeal and lifted the sanction",
            "/settings/sanctions",
        ),
        (
            "report_excluded",
            {"text": "Copied from another report"},
            "A moderator left your report in “Second RFA at L4-L5” out of the treatment's figures: "
            "Copied from another report",
            "/p/11",
        ),
        (
            "exclusion_decided",
            {"text": "overturned: Written by the member after all"},
            "A moderator decided your appeal: your report counts again: Written by the "
            "member after all",
            "/p/11",
        ),
        (
            "exclusion_decided",
            {"text": "upheld"},
            "A moderator decided your appeal: your report stays out of the figures",
            "/p/11",
        ),
    ],
)
def test_each_kind_reads_as_one_line(kind, values, summary, path):
    note = _note(kind, **values)
    assert describe(note) == summary
    assert target_path(note) == path


def test_every_kind_has_a_sentence():
    for kind in NOTIFICATION_KINDS:
        assert describe(_note(kind, text="warning")) != "Something happened"


def test_a_thread_or_board_without_post_opens_the_thread_or_board():
    assert target_path(_note("reply", post_id=None)) == "/t/7"
    assert target_path(_note("thread", post_id=None, thread_id=None, board=BOARD)) == "/b/rfa"
