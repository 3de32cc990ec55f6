"""Every route x every kind of viewer x every state of what it names: what must happen.

ROUTES is the table, keyed by endpoint, built to match app.url_map: a route without a row
fails test_every_route_has_a_row, so a new page cannot skip the policy. For each row and
state, one case builds the object in that state and asks as every viewer in turn.

The rules, from the forum's policy:
- what a viewer may not see answers 404 and names nothing (no title, no pseudonym);
- a members-only thread answers a visitor 200 with its title and board and a way to sign
  in, never its posts or who wrote them;
- a member-only page or any POST sends a visitor to sign in (302 to /login?next=...);
  suspended and banned members cannot sign in: they are visitors, with a session that
  opens their sanctions page only;
- a member trying what only moderators may gets 403 (they know moderation exists);
- a silenced member may read, but every publishing action is refused (4xx, the text they
  sent still on the page);
- a moderator may not restore a post its author deleted; a post awaiting approval offers
  only approve or reject; nobody decides an appeal of a sanction they imposed or that is
  about them.

Whatever the expected answer, _leak also searches it (page and redirect address) for what
the viewer may not read: a hidden post's text, the title or author of what awaits approval.

A hole (the forum does not yet do what the table says) is in HOLES: its case is a strict
xfail, so closing the hole makes it fail until its entry is removed.

Viewers, states and how objects are built: tests/policy/conftest.py. About 230 cases;
run them with `make test PYTEST_ARGS="-q -p no:cacheprovider tests/policy/test_matrix.py"`,
with FORUM_TEST_DATABASE_URL set for PostgreSQL."""

from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from urllib.parse import quote

import pytest
from flask import url_for

from tests.policy.conftest import (
    LOCKED_OUT,
    POST_STATES,
    REPLY_STATES,
    SILENCED_AUTHOR,
    THREAD_STATES,
    VIEWERS,
    World,
    build_world,
)

# -- what may happen -------------------------------------------------------------------------

LOGIN = "sign-in"  # 302 to /login?next=...
DONE = "done"  # 302 (not to sign in), and the page it leads to reports no error
REFUSED = "refused"  # a 4xx other than 404, or a 302 to a page that says why not
GONE = "gone"  # 404, naming neither the thread's title nor its author
TEASER = "teaser"  # 200: the thread's title and a way to sign in; no post, no pseudonym


@dataclass(frozen=True)
class To:
    """A 302 to an address starting with `prefix`."""

    prefix: str


@dataclass(frozen=True)
class Kept:
    """`status`, with the text the member sent still on the page (nothing typed is lost)."""

    status: int


VISITORS = {"visitor", "suspended", "banned"}
MODERATORS = {"moderator", "sanctioned_mod", "admin"}
# Post states in which the post is not shown to readers of its thread.
UNSEEN_POSTS = {
    "pending",
    "reply_pending",
    "rejected",
    "hidden_flags",
    "hidden_mod",
    "deleted_mod",
    "deleted_author",
    "opening_pending",
}
HIDDEN_POSTS = {"hidden_flags", "hidden_mod"}
WAITING_POSTS = {"pending", "opening_pending", "reply_pending"}  # awaiting approval
NO_PLACE = {"pending", "rejected", "opening_pending", "reply_pending"}

Rule = Callable[[str, str], object]  # (viewer, state) -> what must happen


def everyone(outcome) -> Rule:
    return lambda viewer, state: outcome


def members(outcome) -> Rule:
    """A member-only page or action: visitors are sent to sign in."""
    return lambda viewer, state: LOGIN if viewer in VISITORS else outcome


def signed_out(outcome, otherwise) -> Rule:
    return lambda viewer, state: outcome if viewer in VISITORS else otherwise


def staff(outcome, roles=MODERATORS) -> Rule:
    """A page for some roles only: visitors are sent to sign in, other members refused."""

    def rule(viewer, state):
        if viewer in VISITORS:
            return LOGIN
        return outcome if viewer in roles else 403

    return rule


def moderators(outcome) -> Rule:
    return staff(outcome)


def admins(outcome) -> Rule:
    return staff(outcome, roles={"admin"})


def publishing(outcome=DONE) -> Rule:
    """Members publish; a silenced member is refused and keeps the text."""

    def rule(viewer, state):
        if viewer in VISITORS:
            return LOGIN
        return Kept(403) if viewer == "silenced" else outcome

    return rule


def thread_hidden(viewer, state) -> bool:
    """A thread awaiting approval (or rejected) is seen by its author and moderators only."""
    return state in ("pending", "rejected") and not (viewer == "author" or viewer in MODERATORS)


def post_unseen(viewer, state) -> bool:
    """A post with no place in its thread yet (awaiting approval, or rejected) is known to
    its author and moderators only. A hidden or deleted post keeps its place, as a
    placeholder every reader sees; its text is for its author and moderators."""
    return state in NO_PLACE and not (viewer == "author" or viewer in MODERATORS)


# -- thread rules ------------------------------------------------------------------------------


def thread_page(viewer, state):
    if thread_hidden(viewer, state):
        return GONE
    if state == "members" and viewer in VISITORS:
        return TEASER
    return 200


def reply_form(viewer, state):
    if viewer in VISITORS:
        return LOGIN
    if thread_hidden(viewer, state):
        return GONE
    return 200


def reply(viewer, state):
    if viewer in VISITORS:
        return LOGIN
    if thread_hidden(viewer, state):
        return GONE
    if state in ("pending", "rejected", "locked") or viewer == "silenced":
        return Kept(403)  # a thread takes replies once approved, until locked
    return DONE


def reply_form_draft(viewer, state):
    rule = reply_form(viewer, state)
    return DONE if rule == 200 else rule


def change_visibility(viewer, state):
    if viewer in VISITORS:
        return LOGIN
    if thread_hidden(viewer, state):
        return GONE
    return DONE if viewer == "author" or viewer in MODERATORS else 403


def watch(viewer, state):
    if viewer in VISITORS:
        return LOGIN
    return GONE if thread_hidden(viewer, state) else DONE


def thread_feed(viewer, state):
    return 200 if state in ("public", "locked", "moved", *REPLY_STATES) else GONE


# -- post rules --------------------------------------------------------------------------------


def permalink(viewer, state):
    return GONE if post_unseen(viewer, state) else To("/t/")


def history(viewer, state):
    if post_unseen(viewer, state):
        return GONE
    if state in UNSEEN_POSTS:
        return 403  # the placeholder is all there is to see
    return TEASER if state == "members" and viewer in VISITORS else 200


def edit(ok) -> Rule:
    def rule(viewer, state):
        if viewer in VISITORS:
            return LOGIN
        if post_unseen(viewer, state):
            return GONE
        if viewer == "author" and state in WAITING_POSTS:
            return ok  # it stays waiting for approval
        if state in UNSEEN_POSTS:  # its author and moderators see it
            return ok if viewer in MODERATORS and state in HIDDEN_POSTS else 403
        if viewer == "author" and state == SILENCED_AUTHOR:
            # Silenced since: no edit form; an edit sent from one opened before is
            # refused with the text kept.
            return Kept(403) if ok == DONE else 403
        return ok if viewer == "author" or viewer in MODERATORS else 403

    return rule


def delete(ok) -> Rule:
    def rule(viewer, state):
        if viewer in VISITORS:
            return LOGIN
        if post_unseen(viewer, state):
            return GONE
        return ok if viewer == "author" and state not in UNSEEN_POSTS else 403

    return rule


def flag_form(viewer, state):
    if viewer in VISITORS:
        return LOGIN
    if post_unseen(viewer, state):
        return GONE
    return 200


def flag(viewer, state):
    if viewer in VISITORS:
        return LOGIN
    if post_unseen(viewer, state):
        return GONE
    if state in UNSEEN_POSTS or viewer == "author":
        return REFUSED  # already out of sight / one's own post
    if viewer in ("new_member", "silenced"):
        return 403  # too new to flag / silenced
    return DONE


def react(viewer, state):
    """Helpful or Me too: on someone else's visible post, by a member who may publish."""
    if viewer in VISITORS:
        return LOGIN
    if post_unseen(viewer, state):
        return GONE
    if state in UNSEEN_POSTS or viewer in ("author", "silenced"):
        return REFUSED  # out of sight / one's own post / silenced
    return DONE


def decide(viewer, state):
    """Hide, as a moderator: a post awaiting approval is only approved or rejected, and a
    post its author deleted is theirs."""
    if viewer in VISITORS:
        return LOGIN
    if viewer not in MODERATORS:
        return 403
    return REFUSED if state in ("pending", "deleted_author") else DONE


def restore(viewer, state):
    if viewer in VISITORS:
        return LOGIN
    if viewer not in MODERATORS:
        return 403
    return DONE if state in ("hidden_flags", "hidden_mod", "deleted_mod") else REFUSED


def undelete(viewer, state):
    """Only the author brings back a post they deleted; nobody undoes a moderator."""
    if viewer in VISITORS:
        return LOGIN
    if post_unseen(viewer, state):
        return GONE
    return DONE if viewer == "author" and state == "deleted_author" else REFUSED


def bookmark(ok) -> Rule:
    """Members keep (and write a note on) posts whose text they may read. A bookmark
    publishes nothing, so a silenced member may keep one too."""

    def rule(viewer, state):
        if viewer in VISITORS:
            return LOGIN
        if post_unseen(viewer, state):
            return GONE
        if state in ("rejected", "deleted_mod", "deleted_author"):
            return 403  # a placeholder: no text to keep
        if state in HIDDEN_POSTS and not (viewer == "author" or viewer in MODERATORS):
            return 403
        return ok

    return rule


def after_post(viewer, state):
    if viewer in VISITORS:
        return LOGIN
    return 200 if viewer == "author" else GONE


def authors_only(ok) -> Rule:
    def rule(viewer, state):
        if viewer in VISITORS:
            return LOGIN
        return ok if viewer == "author" else 403

    return rule


def report_history(viewer, state):
    return TEASER if state == "members" and viewer in VISITORS else 200


# -- people, sanctions and personal things ------------------------------------------------------


def profile(viewer, state):
    return GONE if state == "erased" else 200


def block(viewer, state):
    """Members block members. Nobody blocks a moderator, and a moderator blocks nobody:
    each must be able to reach the other (a plain refusal, never a 500). A block
    publishes nothing, so a silenced member may block."""
    if viewer in VISITORS:
        return LOGIN
    if state == "erased":
        return GONE
    if state == "moderator" or viewer in MODERATORS:
        return 403
    return DONE


def start_conversation(viewer, state):
    """Members write to members who accept it (anyone, by default); a new member only to a
    moderator; a name nobody has any more is refused with what was typed kept."""
    if viewer in VISITORS:
        return LOGIN
    if state == "erased":
        return Kept(422)
    if viewer == "silenced" or (viewer == "new_member" and state != "moderator"):
        return Kept(403)
    return DONE


def in_conversation(outcome) -> Rule:
    """Only its members read or act in a private conversation (here the author): to anyone
    else, moderators included, it does not exist."""

    def rule(viewer, state):
        if viewer in VISITORS:
            return LOGIN
        return outcome if viewer == "author" else GONE

    return rule


def reported_only(outcome) -> Rule:
    """Moderators open a conversation once a member in it reported a message, never before."""

    def rule(viewer, state):
        if viewer in VISITORS:
            return LOGIN
        if viewer not in MODERATORS:
            return 403
        return outcome if state == "reported" else GONE

    return rule


def sanction_member(viewer, state):
    if viewer in VISITORS:
        return LOGIN
    if viewer not in MODERATORS:
        return 403
    if state == "moderator" and viewer != "admin":
        return 403  # only an admin sanctions a moderator
    return DONE


def set_trust(viewer, state):
    if viewer in VISITORS:
        return LOGIN
    if viewer not in MODERATORS:
        return 403
    if state == "moderator":
        return REFUSED  # a moderator's level is not set by hand
    return DONE


def decide_appeal(viewer, state):
    """by_moderator: the moderator warned the author. about_moderator: the admin warned the
    sanctioned moderator (who is then "the author" of the appeal)."""
    if viewer in VISITORS:
        return LOGIN
    if state == "about_moderator" and viewer in ("author", "sanctioned_mod", "admin"):
        return REFUSED  # about them, or imposed by them
    if viewer not in MODERATORS:
        return 403
    if state == "by_moderator" and viewer == "moderator":
        return REFUSED  # imposed by them
    return DONE


def appeal(viewer, state):
    if viewer == "visitor":
        return LOGIN
    return DONE if viewer == "author" else GONE


def exclude_report(viewer, state):
    """Moderators leave a report out of the figures, once while that stands."""
    if viewer in VISITORS:
        return LOGIN
    if viewer not in MODERATORS:
        return 403
    return REFUSED if state == "excluded" else DONE


def appeal_exclusion(viewer, state):
    """Only the report's author appeals; to anyone else there is nothing there."""
    if viewer in VISITORS:
        return LOGIN
    return DONE if viewer == "author" else GONE


def own_sanctions(viewer, state):
    return LOGIN if viewer == "visitor" else 200


def second_factor_page(viewer, state):
    if viewer in VISITORS:
        return LOGIN
    return 200 if viewer in MODERATORS else GONE


def note_edit(ok) -> Rule:
    """A note on a member is corrected by the moderator who wrote it ("moderator"), within
    24 hours of writing it ("fresh", not "old"); other moderators and admins are refused, a
    refused correction keeps its text."""

    def rule(viewer, state):
        if viewer in VISITORS:
            return LOGIN
        if viewer not in MODERATORS:
            return 403
        if viewer == "moderator" and state == "fresh":
            return ok
        return REFUSED

    return rule


def owners_only(ok) -> Rule:
    def rule(viewer, state):
        if viewer in VISITORS:
            return LOGIN
        return ok if viewer == "author" else GONE

    return rule


# -- the table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    kind: str  # what the address names: thread, post, board, user, ...; "none"
    get: Rule | None = None
    post: Rule | None = None
    states: tuple[str, ...] = ("none",)
    post_states: tuple[str, ...] | None = None  # when POST needs fewer states than GET
    data: Callable[[World], dict] | None = None  # what the POST sends
    query: Callable[[World], str] | None = None
    values: dict = field(default_factory=dict)  # address parts that name nothing we made
    not_requested: dict[str, str] = field(default_factory=dict)  # method -> why
    own_cast: bool = False  # the request changes its viewer: viewers made for each case


def text(key: str, value: str) -> Callable[[World], dict]:
    return lambda world: {key: value}


REPLY = "My own reply about the nerve block."
NEW_THREAD = {"title": "A matrix thread", "body": "What happened to me.", "visibility": "public"}
REPORT_FORM = {
    "shown_family": "injection",
    "title": "My matrix epidural",
    "body": "It helped for a while.",
    "treatment": "",  # filled with the board
    "pain_before": "7",
    "pain_best": "3",
    "pgic": "2",
    "has_conflict": "no",
    "visibility": "public",
}

CONVERSATION_STATES = ("private", "reported")

SOME_POST_STATES = (
    "public",
    "by_silenced",
    "members",
    "hidden_mod",
    "deleted_author",
    "opening_pending",
)

ROUTES: dict[str, Row] = {
    # -- reading, for everyone
    "boards.index": Row("none", get=everyone(200)),
    "boards.detail": Row("board", get=everyone(200)),
    "search.index": Row("none", get=everyone(200)),
    "safety.index": Row("none", get=everyone(200)),
    "accounts.guidelines": Row("none", get=everyone(200)),
    "feeds.latest": Row("none", get=everyone(200)),
    "feeds.board": Row("board", get=everyone(200)),
    "feeds.sitemap": Row("none", get=everyone(200)),
    "feeds.sitemap_file": Row(
        "thread", get=everyone(200), states=("public",), values={"number": 1}
    ),
    "feeds.robots": Row("none", get=everyone(200)),
    "health.live": Row("none", get=everyone(200)),
    "health.ready": Row("none", get=everyone(200)),
    # From 127.0.0.1, as the test client asks; other addresses: tests/health/test_metrics.py.
    "health.metrics": Row("none", get=everyone(200)),
    "jobs.index": Row("none", get=admins(200)),
    "feeds.favicon": Row("none", get=everyone(200)),
    "feeds.thread": Row("thread", get=thread_feed, states=THREAD_STATES + REPLY_STATES),
    "reports.compare": Row("none", get=everyone(200)),
    "reports.outcomes": Row("board", get=everyone(200)),
    "reports.outcomes_json": Row("board", get=everyone(200)),
    "reports.outcomes_csv": Row("board", get=everyone(200)),
    "accounts.profile": Row("user", get=profile, states=("member", "moderator", "erased")),
    # -- threads
    "threads.detail": Row("thread", get=thread_page, states=THREAD_STATES + REPLY_STATES),
    "threads.reply": Row(
        "thread",
        get=reply_form,
        post=reply,
        states=THREAD_STATES,
        data=text("body", REPLY),
    ),
    "threads.change_visibility": Row(
        "thread",
        post=change_visibility,
        # A sanction does not stop a member making their own thread more private.
        states=("public", "members", "pending", "rejected", "locked", SILENCED_AUTHOR),
        data=lambda world: {"visibility": "public" if world.state == "members" else "members"},
    ),
    "threads.create": Row("board", get=members(200), post=publishing(), data=lambda w: NEW_THREAD),
    "notifications.watch_thread": Row(
        "thread", post=watch, states=("public", "members", "pending", "rejected")
    ),
    "notifications.unwatch_thread": Row(
        "thread", post=watch, states=("public", "members", "pending", "rejected")
    ),
    "moderation.thread_tools": Row(
        "thread",
        get=moderators(200),
        post=moderators(DONE),
        states=("public", "pending", "moved"),
        post_states=("public", "pending"),
        query=lambda world: "?tool=lock",
        data=text("reason", "Going in circles."),
    ),
    # -- posts
    "threads.permalink": Row("post", get=permalink, states=POST_STATES),
    "threads.history": Row("post", get=history, states=POST_STATES),
    "threads.edit": Row(
        "post",
        get=edit(200),
        post=edit(DONE),
        states=POST_STATES,
        post_states=SOME_POST_STATES,
        data=lambda world: {
            "body": "Edited in the matrix.",
            **({"title": world.title} if world.state == "opening_pending" else {}),
            "version": str(world.version),
            "reason": "Tidied.",
        },
    ),
    "threads.delete": Row(
        "post", get=delete(200), post=delete(DONE), states=POST_STATES, post_states=SOME_POST_STATES
    ),
    "threads.undelete": Row(
        "post", post=undelete, states=("public", "hidden_mod", "deleted_mod", "deleted_author")
    ),
    "moderation.flag": Row(
        "post",
        get=flag_form,
        post=flag,
        states=POST_STATES,
        post_states=SOME_POST_STATES,
        data=text("reason", "spam"),
    ),
    "reactions.react": Row(
        "post",
        post=react,
        states=POST_STATES,
        post_states=SOME_POST_STATES,
        data=text("kind", "helpful"),
    ),
    "moderation.decide": Row(
        "post",
        post=decide,
        states=("public", "pending", "hidden_flags", "deleted_author"),
        data=lambda world: {"decision": "hide", "reason": "Matrix decision."},
    ),
    "moderation.restore": Row(
        "post",
        post=restore,
        states=(
            "public",
            "pending",
            "rejected",
            "hidden_flags",
            "hidden_mod",
            "deleted_mod",
            "deleted_author",
        ),
        data=text("reason", "Restored in the matrix."),
    ),
    "safety.after_post": Row("post", get=after_post, states=("public", "pending")),
    # -- bookmarks: private to the member who keeps them
    "bookmarks.bookmark": Row(
        "post",
        get=bookmark(200),
        post=bookmark(DONE),
        states=POST_STATES,
        post_states=SOME_POST_STATES,
        data=text("keep", "y"),
    ),
    "bookmarks.index": Row("none", get=members(200)),
    "bookmarks.remove": Row("bookmark", post=owners_only(DONE)),
    # -- blocks: private to the member who blocks
    "blocks.block": Row(
        "user", post=block, states=("member", "moderator", "erased"), data=text("block", "y")
    ),
    "blocks.index": Row("none", get=members(200)),
    # -- private messages: their members only; moderators once one is reported
    "messages.index": Row("none", get=members(200)),
    "messages.settings": Row("none", post=members(DONE), data=text("accept", "anyone")),
    "messages.new": Row(
        "user",
        get=members(200),
        post=start_conversation,
        states=("member",),
        post_states=("member", "moderator", "erased"),
        data=lambda world: {"to": world.name, "subject": "Matrix hello", "body": "Hello there."},
    ),
    "messages.detail": Row(
        "conversation",
        get=in_conversation(200),
        post=in_conversation(DONE),
        states=CONVERSATION_STATES,
        data=text("body", "A matrix reply, privately."),
    ),
    "messages.help": Row("conversation", get=in_conversation(200), states=("private",)),
    "messages.leave": Row("conversation", post=in_conversation(DONE), states=("private",)),
    "messages.report": Row(
        "conversation",
        get=in_conversation(200),
        post=in_conversation(DONE),
        states=("private",),
        data=text("reason", "harassment"),
    ),
    "messages.moderate": Row(
        "conversation", get=reported_only(200), states=CONVERSATION_STATES
    ),
    "messages.decide": Row(
        "conversation",
        post=reported_only(DONE),
        states=CONVERSATION_STATES,
        data=lambda world: {"decision": "kept", "reason": "Nothing against the rules."},
    ),
    # -- experience reports
    # A step's POST keeps its answers in the member's draft: writing, not publishing, so a
    # silenced member may go on; "Post report" is where they are refused.
    "reports.create": Row(
        "board",
        get=members(200),
        post=members(DONE),
        data=lambda world: {**REPORT_FORM, "treatment": world.board},
    ),
    # Without a draft the first step is shown with what it lacks, whoever asks (a silenced
    # member's refusal, with their story kept: tests/reports/test_views.py).
    "reports.post_report": Row(
        "board", post=members(422), data=lambda world: {**REPORT_FORM, "treatment": world.board}
    ),
    "drafts.save_report": Row(
        "board", post=members(200), data=lambda world: {**REPORT_FORM, "treatment": world.board}
    ),
    # Keeping a draft is not publishing: a silenced member, or a locked thread, keeps
    # what they wrote; a thread they may not read takes no draft.
    "drafts.save_thread": Row("board", post=members(DONE), data=lambda w: NEW_THREAD),
    "drafts.save_reply": Row(
        "thread", post=reply_form_draft, states=THREAD_STATES, data=text("body", REPLY)
    ),
    "drafts.index": Row("none", get=members(200)),
    "drafts.old_index": Row("none", get=everyone(301)),
    "drafts.discard": Row("draft", post=owners_only(DONE)),
    "reports.add": Row(
        "opening",
        get=authors_only(200),
        post=authors_only(422),  # an empty form: refused for its fields, not for who asks
        states=("public", "members"),
    ),
    "reports.edit": Row(
        "report",
        get=authors_only(200),
        post=authors_only(422),
        states=("public", "members"),
    ),
    "reports.history": Row("report", get=report_history, states=("public", "members")),
    "reports.followup": Row(
        "report",
        get=authors_only(200),
        post=authors_only(422),  # no answer chosen: refused for its fields, not for who asks
        states=("public", "members"),
    ),
    "reports.reminders": Row(
        "report",
        post=authors_only(DONE),
        states=("public", "members"),
        data=text("reminders", "off"),
    ),
    "reports.appeal_exclusion": Row(
        "excluded",
        post=appeal_exclusion,
        states=("by_other_mod",),
        data=text("text", "This is my own story, written by me."),
    ),
    # -- boards
    "notifications.watch_board": Row("board", post=members(DONE)),
    "notifications.unwatch_board": Row("board", post=members(DONE)),
    "reading.mark_board": Row("board", post=members(DONE)),
    "reading.mark_all": Row("none", post=members(DONE)),
    # -- moderation
    "moderation.queue": Row("none", get=moderators(200)),
    "moderation.log": Row("none", get=moderators(200)),
    "moderation.outcomes": Row("none", get=moderators(200)),
    "moderation.exclude_report": Row(
        "report_id",
        post=exclude_report,
        states=("public", "excluded"),
        data=text("reason", "Part of a burst of new accounts."),
    ),
    # As for a sanction's appeal: neither who excluded it nor the report's author decides.
    "moderation.decide_exclusion": Row(
        "exclusion",
        post=decide_appeal,
        states=("by_moderator", "about_moderator"),
        data=lambda world: {"decision": "upheld", "reason": "It stands."},
    ),
    "moderation.member": Row(
        "user",
        get=moderators(200),
        post=sanction_member,
        states=("member", "moderator"),
        data=lambda world: {"kind": "warning", "reason": "Please stay on topic."},
    ),
    "moderation.set_trust": Row(
        "user",
        post=set_trust,
        states=("member", "moderator"),
        data=lambda world: {"trust-level": "new", "trust-reason": "Posting clinic links."},
    ),
    # Notes on a member: moderators write them (never about themselves: no viewer here is
    # the member named), only their writer corrects one, for 24 hours.
    "member_notes.create": Row(
        "user",
        get=moderators(200),
        post=moderators(DONE),
        states=("member", "moderator"),
        data=text("body", "Contacted 3 Dec, has support at home."),
    ),
    "member_notes.edit": Row(
        "note",
        get=note_edit(200),
        post=note_edit(DONE),
        states=("fresh", "old"),
        data=text("body", "Contacted 3 Dec; her sister is staying."),
    ),
    "moderation.decide_appeal": Row(
        "appeal",
        post=decide_appeal,
        states=("by_moderator", "about_moderator"),
        data=lambda world: {"decision": "upheld", "reason": "It stands."},
    ),
    "moderation.my_sanctions": Row(
        "sanction",
        get=own_sanctions,
        post=appeal,
        states=("by_moderator",),
        query=lambda world: f"?sanction={world.ids['sanction']}",
        data=text("text", "I was on topic, please read it again."),
    ),
    "moderation.my_flags": Row("none", get=members(200)),
    # -- the member's own things
    "accounts.settings": Row("none", get=members(200)),
    "accounts.rename": Row(
        "none",
        post=publishing(),
        data=lambda world: {"pseudonym": f"mx-renamed-{world.board}"},
        own_cast=True,
    ),
    "accounts.interests": Row(
        "none", post=publishing(), data=text("interest", "Physiotherapist, private practice")
    ),
    "accounts.history_privacy": Row("none", post=members(DONE)),
    "accounts.unlink": Row("identity", post=owners_only(REFUSED)),  # never the last way in
    "accounts.sign_out_all": Row("none", post=members(To("/login"))),
    "accounts.sessions": Row("none", get=members(200)),
    "accounts.sign_out_session": Row("session", post=owners_only(DONE)),
    # A moderator's second factor: the pages exist for moderators and admins only.
    "auth.second_factor": Row(
        "none",
        get=second_factor_page,
        not_requested={"POST": "a code typed by a person: tests/auth/test_second_factor.py"},
    ),
    "auth.enrol_second_factor": Row(
        "none",
        get=second_factor_page,
        not_requested={"POST": "a code typed by a person: tests/auth/test_second_factor.py"},
    ),
    "notifications.index": Row("none", get=members(200)),
    "notifications.settings": Row(
        "none", get=members(200), post=members(DONE), data=text("auto_watch", "y")
    ),
    "notifications.mark_all_read": Row("none", post=members(DONE)),
    "notifications.follow": Row("notification", get=owners_only(To("/t/")), states=("public",)),
    "export.index": Row("none", get=members(200)),
    "export.create": Row("none", post=members(200)),  # a small archive comes at once
    "export.detail": Row("export", get=owners_only(200)),
    "export.download": Row("export", get=owners_only(409)),  # not built yet
    "mail.settings": Row("none", get=members(200)),
    "mail.save": Row("none", post=members(422)),
    "mail.resend": Row("none", post=members(REFUSED)),  # no address to confirm
    "mail.remove": Row("none", post=members(DONE)),
    # A token that is not one of ours.
    "mail.confirm": Row("none", get=everyone(422), post=everyone(422), values={"token": "nope"}),
    "mail.unsubscribe": Row(
        "none", get=everyone(422), post=everyone(422), values={"token": "nope"}
    ),
    # Every member of the cast has consented: the page sends them on to their settings.
    "privacy.consent": Row("none", get=members(To("/settings")), post=members(To("/settings"))),
    "privacy.delete": Row("none", get=members(200), post=members(422)),
    # Where a member lands once erased: signed-in members are sent to their settings.
    "privacy.deleted": Row("none", get=signed_out(200, To("/settings"))),
    # -- signing in and out
    "auth.login": Row("none", get=everyone(200)),
    "auth.start": Row("none", get=everyone(404), values={"name": "nowhere"}),
    "auth.callback": Row("none", get=everyone(404), post=everyone(404), values={"name": "nowhere"}),
    "auth.onboarding": Row("none", get=everyone(To("/login")), post=everyone(To("/login"))),
    "auth.dev_login": Row(
        "none",
        get=everyone(200),
        not_requested={"POST": "every case but the visitor's signs in through it"},
    ),
    "auth.logout": Row("none", post=everyone(To("/"))),
}

# (endpoint, method, state) -> what the forum does instead, today. Strict xfail.
HOLES: dict[tuple[str, str, str], str] = {}


def _cases():
    for endpoint, row in ROUTES.items():
        for method, rule in (("GET", row.get), ("POST", row.post)):
            if rule is None:
                continue
            states = row.post_states if method == "POST" and row.post_states else row.states
            for state in states:
                marks = []
                if (endpoint, method, state) in HOLES:
                    reason = f"hole: {HOLES[endpoint, method, state]}"
                    marks.append(pytest.mark.xfail(strict=True, reason=reason))
                yield pytest.param(
                    endpoint, method, state, id=f"{method} {endpoint} {state}", marks=marks
                )


CASES = list(_cases())


# -- the route map and the table -----------------------------------------------------------------


def _methods(rule) -> set[str]:
    return set(rule.methods) - {"HEAD", "OPTIONS"}


def test_every_route_has_a_row(matrix_app):
    """A route without a row fails here, and so does a row for a route that went away."""
    routes: dict[str, set[str]] = {}
    for rule in matrix_app.url_map.iter_rules():
        if rule.endpoint != "static":
            routes.setdefault(rule.endpoint, set()).update(_methods(rule))
    assert sorted(set(routes) - set(ROUTES)) == [], "routes with no row in ROUTES"
    assert sorted(set(ROUTES) - set(routes)) == [], "rows for routes that do not exist"
    unasked = []
    for endpoint, methods in routes.items():
        row = ROUTES[endpoint]
        asked = {m for m, rule in (("GET", row.get), ("POST", row.post)) if rule} | set(
            row.not_requested
        )
        if methods != asked:
            unasked.append((endpoint, sorted(methods), sorted(asked)))
    assert unasked == [], "each method of each route is requested, or says why not"


def test_the_matrix_stays_small():
    """Every case builds its objects and signs in ten viewers: keep the count in check."""
    assert len(CASES) <= 400


# -- the matrix -----------------------------------------------------------------------------------


def _address(app, endpoint: str, row: Row, world: World) -> str:
    values = dict(row.values)
    if row.kind == "thread":
        values["thread_id"] = world.thread_id
        if endpoint == "threads.detail":
            values["slug"] = world.slug
    elif row.kind in ("post", "opening", "report", "excluded"):
        values["post_id"] = world.post_id
    elif row.kind == "report_id":
        values["report_id"] = world.ids["report"]
    elif row.kind == "board":
        values["slug"] = world.board
    elif row.kind == "user":
        values["name"] = world.name
    elif row.kind == "conversation":
        values["conversation_id"] = world.ids["conversation"]
        if endpoint == "messages.report":
            values["message_id"] = world.ids["message"]
    elif row.kind in (
        "appeal",
        "export",
        "notification",
        "identity",
        "session",
        "exclusion",
        "draft",
        "bookmark",
        "note",
    ):
        values[f"{row.kind}_id"] = world.ids[row.kind]
    with app.test_request_context():
        path = url_for(endpoint, **values)
    return path + (row.query(world) if row.query else "")


def _page(response) -> str:
    return response.get_data(as_text=True)


def _names_nothing(page: str, world: World, author: str, viewer_is_author: bool) -> str | None:
    if world.title and world.title in page:
        return "names the thread's title"
    if not viewer_is_author and author and (author in page or escape(author) in page):
        return f"names its author {author}"
    if world.name and world.name in page:
        return f"names {world.name}"
    return None


def _check(
    client, response, expected, world: World, author: str, viewer: str, path: str, data
) -> str | None:
    """What is wrong with the answer, or None."""
    status = response.status_code
    location = response.headers.get("Location", "")
    got = f"{status} {location}".strip()
    if isinstance(expected, int):
        return None if status == expected else got
    if expected == LOGIN:
        return None if status == 302 and location.startswith("/login?next=") else got
    if isinstance(expected, To):
        ok = status == 302 and location.startswith(expected.prefix)
        return None if ok and not location.startswith("/login?next=") else got
    if expected == DONE:
        if status not in (302, 303) or location.startswith("/login"):
            return got
        if "flash-error" in _page(client.get(location)):
            return f"{got}, then an error message"
        return None
    if expected == REFUSED:
        if 400 <= status < 500 and status != 404:
            return None
        if status == 302 and "flash-error" in _page(client.get(location)):
            return None
        return f"{got} (not refused)"
    if expected == GONE:
        if status != 404:
            return got
        # The sign-in link's next= repeats the address asked for: that names nothing new.
        page = _page(response).replace(path, "").replace(quote(path), "")
        return _names_nothing(page, world, author, viewer == "author")
    if expected == TEASER:
        page = _page(response)
        shown = (world.title, escape(world.board_name), "/login?next=")
        if status != 200 or not all(part in page for part in shown):
            return f"{got}, not the members-only notice (title, board, sign-in link)"
        if world.body and world.body in page:
            return "shows a post"
        return _names_nothing(page.replace(world.title, ""), World(""), author, False)
    if isinstance(expected, Kept):
        if status != expected.status:
            return got
        page = _page(response)
        lost = [v for k, v in data.items() if k in ("body", "title", "text", "interest")]
        lost = [v for v in lost if v not in page and escape(v) not in page]
        return f"{got}, lost {lost}" if lost else None
    raise AssertionError(f"unknown expectation {expected!r}")


def _leak(response, path, world: World, author: str, viewer: str, kind: str, state: str):
    """Whatever the answer, a viewer must not learn from its page, or from the address it
    sends them to, what they may not read: a hidden post's text, or the title and author
    of a thread (or post) that awaits approval."""
    if viewer == "author" or viewer in MODERATORS:
        return None
    secrets = []
    if state in UNSEEN_POSTS and world.body:
        secrets.append(("the text of a post it may not read", world.body))
    hidden_thread = state == "opening_pending" or (
        kind == "thread" and state in ("pending", "rejected")
    )
    if hidden_thread:
        secrets += [("the title", world.title), ("the title", world.slug)]
    if hidden_thread or (state in NO_PLACE and kind in ("post", "thread")):
        secrets.append(("its author", author))
    if not secrets:
        return None
    said = f"{_page(response)} {response.headers.get('Location', '')}"
    said = said.replace(path, "").replace(quote(path), "")
    for what, secret in secrets:
        if secret and (secret in said or escape(secret) in said):
            return f"{response.status_code}, naming {what}"
    return None


@pytest.mark.parametrize(("endpoint", "method", "state"), CASES)
def test_matrix(matrix_app, cast, signed_in, endpoint, method, state):
    row = ROUTES[endpoint]
    rule = row.get if method == "GET" else row.post
    world = build_world(matrix_app, cast, row.kind, state, row.own_cast)
    wrong = []
    for viewer in VIEWERS:
        expected = rule(viewer, state)
        user = None if viewer == "visitor" else world.person(cast, viewer)
        client = signed_in.client(user, locked_out=viewer in LOCKED_OUT)
        data = row.data(world) if row.data else {}
        path = _address(matrix_app, endpoint, row, world)
        response = client.open(path, method=method, data=data)
        author = world.person(cast, "author").display_name
        problem = _check(client, response, expected, world, author, viewer, path, data)
        problem = problem or _leak(response, path, world, author, viewer, row.kind, state)
        response.close()
        if problem:
            wrong.append(f"{viewer}: expected {expected}, got {problem}")
        moved_on = response.headers.get("Location", "").startswith("/login?next=")
        if method == "POST" and response.status_code < 400 and not moved_on:
            # It may have changed the object: the next viewer gets it as the state says.
            world = build_world(matrix_app, cast, row.kind, state, row.own_cast)
            # It may have ended sessions too (signing out everywhere, a sanction).
            signed_in.forget()
    if wrong:
        pytest.fail(f"{method} {endpoint} ({state}):\n  " + "\n  ".join(wrong), pytrace=False)
