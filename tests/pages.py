"""Every page type, with who looks at it: the list the browser tour (tests/browser/test_pages.py)
and the in-process markup checks (tests/test_page_markup.py) both walk."""

import sqlalchemy as sa

MEMBER, MODERATOR = "demo-lumbar-lou", "demo-mod-maria"
# A member whose experience reports make a treatment path on their profile.
REPORTER = "demo-facet-fay"

# name, who looks (None = a visitor), path ({rfa}, {post}... filled from the demo content).
PAGES = [
    ("home", None, "/"),
    ("board", None, "/b/radiofrequency-ablation"),
    ("thread", None, "/t/{rfa}"),
    ("thread-member", MEMBER, "/t/{rfa}"),
    # A member's lists carry "New" markers and Mark all read (forum/reading).
    ("home-member", MEMBER, "/"),
    ("board-member", MEMBER, "/b/radiofrequency-ablation"),
    ("report-thread", None, "/t/{report}"),
    ("permalink-history", None, "/p/{edited}/history"),
    ("profile", None, "/u/demo-lumbar-lou"),
    ("profile-treatment-path", None, f"/u/{REPORTER}"),
    # A member looks at another's profile: the Block button and what it does.
    ("profile-member", MEMBER, "/u/demo-sacral-sam"),
    ("sign-in", None, "/login"),
    ("onboarding", "newcomer", "/onboarding"),
    ("new-thread", MEMBER, "/b/radiofrequency-ablation/new"),
    ("reply", MEMBER, "/t/{rfa}/reply?quote={reply}"),
    ("edit", MEMBER, "/p/{first}/edit"),
    ("report-form", MEMBER, "/b/radiofrequency-ablation/report"),
    ("report-form-essentials", MEMBER, "/b/radiofrequency-ablation/report?step=2"),
    ("report-form-details", MEMBER, "/b/radiofrequency-ablation/report?step=3"),
    ("report-form-preview", MEMBER, "/b/radiofrequency-ablation/report?step=4"),
    ("outcomes", None, "/b/radiofrequency-ablation/outcomes"),
    ("compare", None, "/outcomes"),
    ("compare-two", None, "/outcomes?boards=radiofrequency-ablation,epidural-steroid"),
    ("outcomes-few", None, "/b/sacroiliac-joint-injection/outcomes"),
    ("report-followup", REPORTER, "/p/{report_post}/report/followup"),
    ("report-history", None, "/p/{report_post}/report/history"),
    ("moderation-outcomes", MODERATOR, "/moderation/outcomes"),
    ("search", None, "/search?q=rhizotomy"),
    ("settings", MEMBER, "/settings"),
    ("sessions", MEMBER, "/settings/sessions"),
    ("drafts", MEMBER, "/drafts"),
    ("bookmarks", MEMBER, "/bookmarks"),
    ("blocks", MEMBER, "/settings/blocks"),
    ("bookmark-note", MEMBER, "/p/{reply}/bookmark"),
    ("notifications", MEMBER, "/notifications"),
    ("notification-settings", MEMBER, "/settings/notifications"),
    ("email-settings", MEMBER, "/settings/email"),
    ("export", MEMBER, "/settings/export"),
    ("delete-account", MEMBER, "/settings/delete"),
    ("flag", MEMBER, "/p/{reply}/flag"),
    ("my-flags", "demo-flagger-fran", "/settings/flags"),
    ("moderation-queue", MODERATOR, "/moderation"),
    ("moderation-log", MODERATOR, "/moderation/log"),
    ("thread-tools", MODERATOR, "/moderation/threads/{rfa}"),
    ("member-history", MODERATOR, "/moderation/members/demo-sacral-sam"),
    ("second-factor-set-up", "demo-mod-nia", "/settings/second-factor"),
    ("second-factor-code", MODERATOR, "/second-factor"),
    ("guidelines", None, "/guidelines"),
    ("help", None, "/help"),
    ("members-only-thread", None, "/t/{private}"),
    ("delete-post", MEMBER, "/p/{first}/delete"),
    ("after-post-help", MEMBER, "/help/after-post/{first}"),
    ("my-sanctions", MEMBER, "/settings/sanctions"),
    ("not-found", None, "/no-such-page"),
    ("forbidden", MEMBER, "/moderation"),
]
STATUS = {"not-found": 404, "forbidden": 403}


def demo_ids() -> dict[str, int]:
    """Ids of the demo content the pages show, plus an edit (for a history page), an open
    flag (for the moderation queue) and a members-only thread, made through the services.
    Call in an app context, after seed_demo()."""
    from forum.accounts.models import User
    from forum.accounts.services import get_user_by_name
    from forum.blocks.services import set_block
    from forum.boards.models import Board
    from forum.bookmarks.services import save_bookmark_note, set_bookmark
    from forum.drafts.models import DraftKind
    from forum.drafts.services import save_draft
    from forum.extensions import db
    from forum.moderation.services import flag_post
    from forum.reports.models import ExperienceReport
    from forum.threads.models import Post, Thread
    from forum.threads.services import create_thread, edit_post

    rfa = db.session.scalar(sa.select(Thread).where(Thread.title.like("Second RFA%")))
    # The thread of the reporter's latest experience report.
    report = db.session.scalar(
        sa.select(Thread)
        .join(Post, sa.and_(Post.thread_id == Thread.id, Post.position == 1))
        .join(ExperienceReport, ExperienceReport.post_id == Post.id)
        .join(User, User.id == ExperienceReport.author_id)
        .where(User.display_name == REPORTER)
        .order_by(ExperienceReport.id.desc())
        .limit(1)
    )
    posts = db.session.scalars(
        sa.select(Post).where(Post.thread_id == rfa.id).order_by(Post.position)
    ).all()
    first, reply = posts[0], posts[1]
    edit_post(
        db.session.get(User, reply.author_id),
        reply,
        reply.body_source + "\n\nEdit: ten days, not a week.",
        reply.version,
    )
    flag_post(get_user_by_name("demo-flagger-fran"), posts[2], "misinformation", "Claims a cure.")
    private = create_thread(
        get_user_by_name("demo-quiet-q"),
        db.session.get(Board, rfa.board_id),
        "Only for members: my pump refill",
        "Members only, please.",
        visibility="members",
    )
    # A report draft and a reply draft for the drafts page (on another board than the
    # report form's page, on another thread than the reply form's).
    save_draft(
        get_user_by_name(MEMBER),
        DraftKind.REPORT,
        db.session.scalar(sa.select(Board).where(Board.slug == "epidural-steroid")),
        {"title": "Second epidural, so far", "body": "Started writing this on my phone."},
        step=2,
    )
    save_draft(
        get_user_by_name(MEMBER),
        DraftKind.REPLY,
        db.session.get(Board, rfa.board_id),
        {"body": "Mine took three weeks to settle, and then"},
        thread=db.session.get(Thread, private.thread_id),
    )
    # Bookmarks for the thread page's buttons and the bookmarks page: one with a note.
    reader = get_user_by_name(MEMBER)
    save_bookmark_note(reader, reply, "Ask my pain doctor whether ten days is usual.")
    set_bookmark(reader, first, keep=True)
    # A block, for the blocks page and a folded post on the member's thread page (the
    # third post: the reply above stays open for the pages that quote or bookmark it).
    set_block(reader, db.session.get(User, posts[2].author_id), True)
    return {
        "private": private.thread_id,
        "rfa": rfa.id,
        "report": report.id,
        "report_post": db.session.scalar(
            sa.select(Post.id).where(Post.thread_id == report.id, Post.position == 1)
        ),
        "first": first.id,
        "reply": reply.id,
        "edited": reply.id,
    }
