"""What a thread page shows of each post, decided in Python (forum/policy/threads.py) so the
template only renders it: author or placeholder, body or not, the notice its author and
the moderators see, and the actions offered. Building one costs no SQL: the page's posts
arrive with their authors, editors and reports loaded."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from forum.extensions import utcnow
from forum.policy import threads as policy
from forum.policy.moderation import may_restore_post, may_undo_delete
from forum.policy.reactions import may_react
from forum.policy.viewer import is_moderator, is_self, is_signed_in
from forum.threads.models import Post, PostState, Thread


@dataclass(frozen=True)
class PostView:
    post: Post
    # Shown instead of the author and the body when the viewer may not see them.
    placeholder: str | None
    shows_body: bool  # the author's name, the body, the report card, the edit history
    is_original_poster: bool  # a reply by the member who started the thread
    # For its author and the moderators: why the post is not (or not as written) public.
    notice: str | None
    notice_reason: str | None  # the moderator's reason, after the notice
    quote: bool
    edit: bool
    delete: bool
    flag: bool
    restore: bool
    undo_delete: bool  # its author takes back their deletion
    add_report: bool
    update_report: bool
    # For the report's author: "Is it still working? Answer in one step" (a reminder is
    # due or was sent and the relief is still going on), and the reminders' switch (None:
    # not shown; True: they are on, the switch turns them off).
    follow_up: bool = False
    reminders: bool | None = None
    # The Helpful and Me too buttons (else, where the text is shown, the counts alone).
    react: bool = False
    # By a member the viewer blocked: the post is folded, "Show" opens it.
    folded: bool = False

    @property
    def has_actions(self) -> bool:
        return any((self.quote, self.edit, self.delete, self.flag, self.restore, self.undo_delete))


def _placeholder(post: Post) -> str:
    if post.state == PostState.DELETED:
        if post.deleted_by_author:
            return "Post deleted by its author"
        return "Post removed by a moderator"
    if post.state == PostState.PENDING:
        return "Post awaiting moderator approval"
    if post.state == PostState.HIDDEN and post.moderation_reason:
        return "Post hidden by a moderator"
    return "Post hidden pending moderator review"


def _notice(post: Post) -> tuple[str | None, str | None]:
    """The note for the author and the moderators, and the moderator's reason if any."""
    reason = post.moderation_reason
    if post.state == PostState.PENDING:
        return "Only you and the moderators see this post until a moderator approves it.", None
    if post.state == PostState.HIDDEN and not reason:
        return (
            "Others see a placeholder: this post was flagged and waits for a moderator's review.",
            None,
        )
    if post.state == PostState.HIDDEN:
        return "Hidden by a moderator:", reason
    if post.state == PostState.VISIBLE and reason:
        return "Edited by a moderator:", reason
    if post.state == PostState.DELETED and not post.deleted_by_author:
        if post.position is None:
            return "Not approved by a moderator:", reason
        return "Removed by a moderator:", reason
    return None, None


def _follow_up(viewer, post: Post, shows_body: bool, now: datetime) -> tuple[bool, bool | None]:
    """The report author's follow-up links: (the one-step answer, the reminders' switch)."""
    report = post.report if shows_body else None
    if report is None or not (report.relief_ongoing or report.reminders_off):
        return False, None
    if not policy.may_follow_up_report(viewer, post, sanctions_aside=True):
        return False, None
    answer = (
        report.relief_ongoing
        and not report.reminders_off
        and (report.followups_sent > 0 or report.milestones_passed(now) > 0)
        and policy.may_follow_up_report(viewer, post)
    )
    return answer, not report.reminders_off


def present_post(
    viewer,
    post: Post,
    thread: Thread,
    now: datetime | None = None,
    blocked: Collection[int] = (),
    unquotable: Collection[int] = (),
) -> PostView:
    """What `viewer` is shown of `post` on `thread`'s page. `blocked`: the ids of the
    page's posts whose author the viewer blocked; `unquotable`: whose author blocked the
    viewer (forum/threads/marks.py read both with the member's other marks)."""
    now = now or utcnow()
    shows_body = policy.may_see_post_body(viewer, post)
    follow_up, reminders = _follow_up(viewer, post, shows_body, now)
    notice, reason = (
        _notice(post) if is_self(viewer, post.author_id) or is_moderator(viewer) else (None, None)
    )
    return PostView(
        post=post,
        placeholder=None if shows_body else _placeholder(post),
        shows_body=shows_body,
        is_original_poster=post.author_id == thread.author_id and not post.is_first,
        notice=notice,
        notice_reason=reason,
        quote=policy.may_quote(viewer, post) and post.id not in unquotable,
        edit=policy.may_edit_post(viewer, post),
        delete=policy.may_delete_post(viewer, post),
        flag=policy.may_flag_post(viewer, post),
        restore=may_restore_post(viewer, post),
        undo_delete=may_undo_delete(viewer, post, now),
        add_report=(shows_body and post.report is None and policy.may_add_report(viewer, post)),
        update_report=(
            shows_body and post.report is not None and policy.may_update_report(viewer, post)
        ),
        follow_up=follow_up,
        reminders=reminders,
        react=shows_body and may_react(viewer, post),
        folded=shows_body and post.id in blocked,
    )


def reply_offer(viewer, thread: Thread) -> str:
    """What the reply box at the foot of a thread's last page holds: "form"; or why not:
    "sign_in" (a visitor), "locked", "waiting" (the thread awaits a moderator's approval,
    or was rejected), "sanctioned" (the viewer may not publish)."""
    if policy.may_reply(viewer, thread):
        return "form"
    if thread.is_locked:
        return "locked"
    if not is_signed_in(viewer):
        return "sign_in"
    if thread.is_hidden:
        return "waiting"
    return "sanctioned"


def present_posts(
    viewer,
    posts: list[Post],
    thread: Thread,
    blocked: Collection[int] = (),
    unquotable: Collection[int] = (),
) -> list[PostView]:
    now = utcnow()
    return [present_post(viewer, post, thread, now, blocked, unquotable) for post in posts]
