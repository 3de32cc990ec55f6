"""The matrix's forum: one app and one cast of viewers for the whole module, and each
object built fresh, in the state a case asks for, through the services a person's
actions would run (so a hidden post is hidden the way a moderator hides it)."""

import itertools
import time
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import sqlalchemy as sa

from forum import create_app
from forum.accounts.models import User
from forum.accounts.services import create_member
from forum.auth.models import Identity
from forum.auth.sessions import open_session
from forum.boards.models import Board
from forum.bookmarks.models import Bookmark
from forum.drafts.models import Draft
from forum.export.models import DataExport
from forum.extensions import db, utcnow
from forum.member_notes.models import MemberNote
from forum.member_notes.services import add_note
from forum.messages import services as messages
from forum.moderation import sanctions
from forum.moderation.services import decide_on_post, flag_post, move_thread, set_thread_flag
from forum.notifications.models import Notification
from forum.privacy.erasure import Erasure, erase_account
from forum.reports import integrity
from forum.reports.models import ExperienceReport
from forum.reports.services import file_report
from forum.threads.models import Post, Thread
from forum.threads.services import create_thread, delete_post, reply_to_thread
from tests.conftest import _detached, _empty_tables, base_config, login

# Every kind of viewer. Suspended and banned members cannot sign in: they are visitors
# whose refused sign-in leaves a session good for /settings/sanctions only.
VIEWERS = (
    "visitor",
    "new_member",  # their first post waits for a moderator's approval
    "member",
    "author",  # of the object the address names
    "silenced",
    "suspended",
    "banned",
    "moderator",
    "sanctioned_mod",  # a moderator with a warning (imposed by the admin) on record
    "admin",
)
LOCKED_OUT = ("suspended", "banned")

_numbers = itertools.count(1)


@dataclass
class Cast:
    """The people, by role: detached users, read after their sessions end."""

    users: dict[str, User]

    def name(self, key: str) -> str:
        return self.users[key].display_name

    def id(self, key: str) -> int:
        return self.users[key].id


@dataclass
class World:
    """One case's objects: what the address names, in the state asked for."""

    author: str  # the cast key of the object's author ("author" or "new_author")
    state: str = "none"
    title: str = ""
    body: str = ""
    board: str = ""  # its slug
    board_name: str = ""
    thread_id: int = 0
    slug: str = ""
    post_id: int = 0  # the post the address names
    version: int = 1
    ids: dict[str, int] = field(default_factory=dict)  # appeal, sanction, export, ...
    name: str = ""  # the member a /u/<name> or /moderation/members/<name> address names
    # Viewers made for this case (cast key -> (id, name)), where a case changes its viewers
    # (a rename) or a viewer may own one thing only (an export).
    people: dict[str, User] = field(default_factory=dict)

    def person(self, cast: Cast, viewer: str) -> User:
        key = self.author if viewer == "author" else viewer
        return self.people.get(key) or cast.users[key]


def _user(name: str, role: str = "member", aged: bool = True, posts: int = 5) -> User:
    user = create_member(name, role=role, consent=True)
    # Established members: past the flagging age and the approval of first posts.
    user.post_count = posts
    if aged:
        user.created_at = utcnow() - timedelta(days=30)
    db.session.commit()
    return user


@pytest.fixture(scope="module")
def matrix_app(database_url):
    app = create_app(
        base_config(
            database_url,
            NEW_MEMBER_APPROVAL_POSTS=1,  # as configured for the site
            RENDERED_PAGES_BYTES=0,  # every answer rendered for the case at hand
        )
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    _empty_tables(app)


@pytest.fixture(scope="module")
def cast(matrix_app) -> Cast:
    with matrix_app.app_context():
        users = {
            "new_member": _user("mx-newcomer", aged=False, posts=0),
            "member": _user("mx-member"),
            "author": _user("mx-author"),
            "new_author": _user("mx-new-author", aged=False, posts=0),
            "silenced": _user("mx-silenced"),
            "suspended": _user("mx-suspended"),
            "banned": _user("mx-banned"),
            "moderator": _user("mx-moderator", role="moderator"),
            "sanctioned_mod": _user("mx-sanctioned-mod", role="moderator"),
            "admin": _user("mx-admin", role="admin"),
            # Takes the actions that build states, so no viewer is "the moderator who did it"
            # unless a state says so.
            "other_mod": _user("mx-other-mod", role="moderator"),
        }
        _sanction_cast(users, by=users["other_mod"])
        return Cast({key: _detached(user) for key, user in users.items()})


def sign_in(client, user: User, locked_out: bool = False) -> None:
    """Sign in as a person would. A suspended or banned member's sign-in is refused, and
    leaves them a session that opens their sanctions page only."""
    if not locked_out:
        login(client, user)
        return
    response = client.post("/login/dev", data={"pseudonym": user.display_name})
    assert response.status_code == 403, response.get_data(as_text=True)[:300]


class SignedIn:
    """Test clients signed in as anyone, each sign-in done once and its session cookie
    reused: ten viewers sign in for every case, and that is most of the matrix's time."""

    def __init__(self, app):
        self.app = app
        self.cookies: dict[int, str] = {}

    def client(self, user: User | None, locked_out: bool = False):
        """A client signed in as `user`; None: a visitor's."""
        client = self.app.test_client()
        if user is None:
            return client
        cookie_name = self.app.config["SESSION_COOKIE_NAME"]
        if user.id in self.cookies:
            client.set_cookie(cookie_name, self.cookies[user.id])
        else:
            sign_in(client, user, locked_out)
            self.cookies[user.id] = client.get_cookie(cookie_name).value
        return client

    def forget(self) -> None:
        """After requests that may end sessions (sign out everywhere, a sanction)."""
        self.cookies.clear()


@pytest.fixture(scope="module")
def signed_in(matrix_app) -> SignedIn:
    return SignedIn(matrix_app)


# -- the states ---------------------------------------------------------------------------

# A thread's states, for addresses that name a thread.
THREAD_STATES = ("public", "members", "pending", "rejected", "locked", "moved")
# A public thread with one reply in a state of its own: what the thread's pages show of it.
REPLY_STATES = ("reply_pending", "hidden_flags", "hidden_mod", "deleted_mod", "deleted_author")
SILENCED_AUTHOR = "by_silenced"  # started (or written) by a member silenced since
# A reply's states, for addresses that name a post ("opening_pending" is the first post of
# a thread awaiting approval: its address must not lead to the thread's title).
POST_STATES = (
    "public",
    "by_silenced",  # written by a member silenced since
    "members",
    "pending",
    "rejected",
    "hidden_flags",
    "hidden_mod",
    "deleted_mod",
    "deleted_author",
    "locked",
    "moved",
    "opening_pending",
)
NEW_AUTHOR_STATES = ("pending", "rejected", "opening_pending", "reply_pending")


def _get(model, id_):
    return db.session.get(model, id_)


def build_world(app, cast: Cast, kind: str, state: str, own_cast: bool = False) -> World:
    """The objects a case names, made in `state` through the forum's own services;
    `own_cast`: viewers of the case's own, as the module's cast is made."""
    number = next(_numbers)
    with app.app_context():
        world = _build(cast, kind, state, number)
        if own_cast:
            world.people = _own_cast(number)
        db.session.remove()
    return world


def _own_cast(number: int) -> dict[str, User]:
    users = {
        key: _user(f"mx-{number}-{key.replace('_', '-')}", role=role, aged=key != "new_member")
        for key, role in (
            ("new_member", "member"),
            ("member", "member"),
            ("author", "member"),
            ("silenced", "member"),
            ("suspended", "member"),
            ("banned", "member"),
            ("moderator", "moderator"),
            ("sanctioned_mod", "moderator"),
            ("admin", "admin"),
        )
    }
    users["new_member"].post_count = 0
    db.session.commit()
    _sanction_cast(users, by=users["admin"])
    return {key: _detached(user) for key, user in users.items()}


def _sanction_cast(users: dict[str, User], by: User) -> None:
    later = utcnow() + timedelta(days=7)
    for key, kind, ends_at in (
        ("silenced", "silence", later),
        ("suspended", "suspension", later),
        ("banned", "ban", None),
        ("sanctioned_mod", "warning", None),
    ):
        imposer = users["admin"] if key == "sanctioned_mod" else by
        sanctions.impose_sanction(imposer, users[key], kind, "Matrix sanction.", ends_at)


def _build(cast: Cast, kind: str, state: str, number: int) -> World:
    u = {key: _get(User, cast.id(key)) for key in cast.users}
    board = Board(
        slug=f"mx-board-{number}",
        name=f"Matrix board {number}",
        category="Matrix",
        description="A board for the matrix.",
        aliases=[],
        position=1000 + number,
        family="injection",  # takes experience reports
    )
    other = Board(
        slug=f"mx-other-{number}",
        name=f"Matrix other board {number}",
        category="Matrix",
        description="Where moved threads go.",
        aliases=[],
        position=2000 + number,
    )
    db.session.add_all([board, other])
    db.session.commit()
    author_key = "new_author" if state in NEW_AUTHOR_STATES and kind != "none" else "author"
    world = World(author=author_key, state=state, board=board.slug, board_name=board.name)
    if kind in ("none", "board"):
        return world
    if kind == "user":
        return _build_user(world, cast, u, state, number)
    if kind in ("sanction", "appeal"):
        return _build_sanction(world, u, kind, state)
    if kind == "export":
        # One export per member at a time: the author here is made for the case.
        owner = _user(f"mx-exporter-{number}")
        world.people["author"] = _detached(owner)
        export = DataExport(user_id=owner.id, status="queued")
        db.session.add(export)
        db.session.commit()
        world.ids["export"] = export.id
        return world
    if kind == "identity":
        identity = Identity(
            user_id=u["author"].id,
            provider="github",
            issuer="https://github.com",
            subject=f"mx-{number}",
        )
        db.session.add(identity)
        db.session.commit()
        world.ids["identity"] = identity.id
        return world
    if kind == "draft":
        draft = Draft(
            author_id=u["author"].id,
            kind="report",
            place=f"report:{board.id}",
            board_id=board.id,
            answers={"title": "Unposted"},
            step=1,
        )
        db.session.add(draft)
        db.session.commit()
        world.ids["draft"] = draft.id
        return world
    if kind == "bookmark":
        # The author keeps a post someone else wrote, with a private note.
        post = create_thread(
            u["member"], board, f"Kept thread {number}", "Worth keeping.", visibility="public"
        )
        bookmark = Bookmark(user_id=u["author"].id, post_id=post.id, note="Ask about it.")
        db.session.add(bookmark)
        db.session.commit()
        world.ids["bookmark"] = bookmark.id
        return world
    if kind == "note":
        # The moderator viewer's note about the author: "fresh" (just written) or "old"
        # (written 25 hours ago, past the day its writer may correct it in).
        note = add_note(u["moderator"], u["author"], f"Matrix note {number}.")
        if state == "old":
            _get(MemberNote, note.id).created_at = utcnow() - timedelta(hours=25)
            db.session.commit()
        world.ids["note"] = note.id
        return world
    if kind == "conversation":
        return _build_conversation(world, u, state, number)
    if kind == "session":
        # The author's other device (a phone, say), which they may sign out from here.
        _token, device = open_session(u["author"], False, "Firefox on Android", None)
        db.session.commit()
        world.ids["session"] = device.id
        return world

    title = f"Matrix thread {number} about nerve blocks"
    world.title = title
    new_thread = state == "opening_pending" or (
        kind == "thread" and state in ("pending", "rejected")
    )
    opener = u["new_author"] if new_thread else u["author"]
    visibility = "members" if state == "members" else "public"
    if kind in EXCLUSION_KINDS:
        return _build_exclusion(world, u, board, kind, state, number)
    if kind in ("report", "opening"):
        if kind == "report":
            first = file_report(
                opener,
                board,
                title,
                f"My story {number}.",
                {"treatment": board, "pain_before": 7, "pain_best": 3, "pgic": 2},
                visibility=visibility,
            )
        else:
            first = create_thread(
                opener, board, title, f"My story {number}.", visibility=visibility
            )
        thread = _get(Thread, first.thread_id)
        world.thread_id, world.slug, world.post_id = thread.id, thread.slug, first.id
        world.body = f"My story {number}."
        return world

    if state == "by_silenced":
        # Written before its author was silenced.
        opener = _user(f"mx-writer-{number}")
        world.people["author"] = opener
    first = create_thread(opener, board, title, f"Opening post {number}.", visibility=visibility)
    thread = _get(Thread, first.thread_id)
    world.thread_id, world.slug = thread.id, thread.slug
    target = first
    if (kind == "post" and state != "opening_pending") or state in REPLY_STATES:
        replier = u["new_author"] if state in NEW_AUTHOR_STATES else opener
        world.body = f"Matrix reply {number} naming a clinic."
        target = reply_to_thread(replier, thread, world.body)
    else:
        world.body = f"Opening post {number}."
    mod = u["other_mod"]
    post = _get(Post, target.id)
    thread = _get(Thread, thread.id)
    if state == "rejected":
        decide_on_post(mod, post, "delete", "Not about treatment.", [])
    elif state == "hidden_flags":
        flag_post(mod, post, "spam")
    elif state == "hidden_mod":
        decide_on_post(mod, post, "hide", "Names a clinic.", [])
    elif state == "deleted_mod":
        decide_on_post(mod, post, "delete", "Advertising.", [])
    elif state == "deleted_author":
        delete_post(_get(User, post.author_id), post)
    elif state == "locked":
        set_thread_flag(mod, thread, "lock", "Going in circles.")
    elif state == "moved":
        move_thread(mod, thread, _get(Board, other.id), "Better there.")
    elif state == "by_silenced":
        later = utcnow() + timedelta(days=7)
        sanctions.impose_sanction(mod, opener, "silence", "Matrix silence.", later)
        world.people["author"] = _detached(_get(User, opener.id))
    post = _get(Post, target.id)
    world.post_id, world.version = post.id, post.version
    if kind == "notification":
        # Someone replies in the author's thread: the author is told.
        reply_to_thread(u["member"], _get(Thread, thread.id), f"An answer {number}.")
        world.ids["notification"] = db.session.scalar(
            sa.select(Notification.id)
            .where(Notification.user_id == u["author"].id)
            .order_by(Notification.id.desc())
            .limit(1)
        )
        assert world.ids["notification"], "no notification to follow"
    return world


def _build_user(world: World, cast: Cast, u: dict, state: str, number: int) -> World:
    """A member named by /u/<name> or /moderation/members/<name>, made for the case (a
    sanction or an erasure must not change the cast)."""
    role = "moderator" if state == "moderator" else "member"
    person = _user(f"mx-person-{number}", role=role)
    world.name = person.display_name
    if state == "erased":
        erase_account(person, Erasure("keep", "keep"), person.display_name, time.time(), 600)
    return world


def _build_conversation(world: World, u: dict, state: str, number: int) -> World:
    """A private conversation a pen pal (no viewer) started with the author, who replied:
    "private", or "reported" (the author reported the pen pal's message)."""
    pal = _user(f"mx-pal-{number}")
    world.title = f"Matrix private subject {number}"
    world.body = f"Matrix private words {number}"
    message = messages.start_conversation(pal, u["author"].display_name, world.title, world.body)
    membership = messages.get_membership(u["author"], message.conversation_id)
    messages.reply(u["author"], membership.conversation, membership, "My matrix answer.")
    if state == "reported":
        messages.report_message(u["author"], membership, message, "harassment", "")
    world.ids["conversation"] = message.conversation_id
    world.ids["message"] = message.id
    return world


def _build_sanction(world: World, u: dict, kind: str, state: str) -> World:
    """A warning and, for an appeal, the member's appeal of it.

    by_moderator: the moderator viewer warned the author, who appeals.
    about_moderator: the admin warned the sanctioned moderator, who appeals."""
    if state == "about_moderator":
        by, member = u["admin"], u["sanctioned_mod"]
        world.author = "sanctioned_mod"
    else:
        by, member = u["moderator"], u["author"]
    sanction = sanctions.impose_sanction(by, member, "warning", "Matrix warning.", None)
    world.ids["sanction"] = sanction.id
    if kind == "appeal":
        appeal = sanctions.appeal_sanction(member, sanction, "Please look again at what I wrote.")
        world.ids["appeal"] = appeal.id
    return world


# Addresses that name a report by its id (excluding it), a report left out of the figures
# by its post (the author's appeal), and an exclusion (deciding its appeal).
EXCLUSION_KINDS = ("report_id", "excluded", "exclusion")


def _build_exclusion(world: World, u: dict, board: Board, kind: str, state: str, number: int):
    """A report and its exclusion, as the kind and state say.

    report_id: "public" (not excluded) or "excluded" (by another moderator).
    excluded: left out by another moderator; its author may appeal.
    exclusion, appealed by the report's author: "by_moderator" (the moderator viewer left
    out the author's report) or "about_moderator" (the admin left out the sanctioned
    moderator's report, who is then "the author")."""
    if state == "about_moderator":
        opener, excluder = u["sanctioned_mod"], u["admin"]
        world.author = "sanctioned_mod"
    else:
        opener = u["author"]
        excluder = u["moderator"] if state == "by_moderator" else u["other_mod"]
    world.title = f"Matrix report {number} about nerve blocks"
    world.body = f"My story {number}."
    first = file_report(
        opener,
        board,
        world.title,
        world.body,
        {"treatment": board, "pain_before": 7, "pain_best": 3, "pgic": 2},
        visibility="public",
    )
    thread = _get(Thread, first.thread_id)
    world.thread_id, world.slug, world.post_id = thread.id, thread.slug, first.id
    report = db.session.scalar(
        sa.select(ExperienceReport).where(ExperienceReport.post_id == first.id)
    )
    world.ids["report"] = report.id
    if kind == "report_id" and state != "excluded":
        return world
    exclusion = integrity.exclude_report(excluder, report, "Matrix exclusion.")
    world.ids["exclusion"] = exclusion.id
    if kind == "exclusion":
        integrity.appeal_exclusion(opener, report, "Please count my report again.")
    return world
