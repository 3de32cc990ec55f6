import sqlalchemy as sa

from forum.boards.models import Board
from forum.boards.services import list_boards_and_latest_activity, load_board_data, seed_boards
from forum.extensions import db

REQUIRED_SLUGS = {
    "epidural-steroid",
    "facet-joint-injection",
    "medial-branch-block",
    "selective-nerve-root-block",
    "sacroiliac-joint-injection",
    "trigger-point-injections",
    "stellate-ganglion-block",
    "botox",
    "radiofrequency-ablation",
    "genicular-rfa",
    "cryoneurolysis",
    "idet",
    "basivertebral-nerve-ablation",
    "vertebroplasty-kyphoplasty",
    "spinal-cord-stimulation",
    "drg-stimulation",
    "peripheral-nerve-stimulation",
    "deep-brain-stimulation",
    "intrathecal-pump",
    "ketamine-infusion",
    "comparing-treatments",
    "other-procedures",
    "site-feedback",
}


def test_board_data_file_has_every_treatment_board():
    boards = load_board_data()
    assert {b["slug"] for b in boards} == REQUIRED_SLUGS
    assert all(b["description"] and b["name"] and b["category"] for b in boards)
    rfa = next(b for b in boards if b["slug"] == "radiofrequency-ablation")
    assert {"rhizotomy", "RF neurotomy", "neuroablation", "RFA"} <= set(rfa["aliases"])


def test_seeding_is_idempotent(app_ctx):
    assert seed_boards() == (len(REQUIRED_SLUGS), 0)
    assert seed_boards() == (0, 0)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Board)) == len(REQUIRED_SLUGS)


def test_seeding_updates_changed_boards_and_keeps_their_counters(app_ctx, tmp_path):
    seed_boards()
    board = db.session.scalar(sa.select(Board).where(Board.slug == "botox"))
    board.name = "Old name"
    board.thread_count = 7
    db.session.commit()
    assert seed_boards() == (0, 1)
    board = db.session.scalar(sa.select(Board).where(Board.slug == "botox"))
    assert board.name == "Botulinum toxin injections"
    assert board.thread_count == 7


def test_boards_are_listed_in_file_order(app_ctx):
    seed_boards()
    boards, latest = list_boards_and_latest_activity()
    assert latest == []
    assert [board.slug for board in boards] == [row["slug"] for row in load_board_data()]
    assert boards[0].slug == "epidural-steroid"
    assert boards[-1].slug == "site-feedback"
