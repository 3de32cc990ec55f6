"""Who may use the moderation pages, route by route and role by role, and CSRF on them.

A visitor is sent to sign in; a member, silenced or not, is refused; moderators and admins
get the pages, and their POSTs change what they should. Refused requests change nothing."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.extensions import db, utcnow
from forum.moderation import sanctions
from forum.moderation.models import Appeal, Flag, Sanction
from forum.threads.models import Post, Thread
from tests.conftest import login, pass_second_factor

ROLES = ["visitor", "member", "silenced", "moderator", "admin"]
NOT_ALLOWED = "You are not allowed to do that."
EXPIRED = "This form has expired or did not come from this site."


class _Text(HTMLParser):
    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tokens: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") == "csrf_token":
            self.tokens.append(attrs["value"])

    def handle_data(self, data):
        self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def text_of(response) -> str:
    return _Text(response.get_data(as_text=True)).text


def scalar(app, statement):
    with app.app_context():
        return db.session.execute(statement).scalar()


# -- the world: a thread with posts to decide on and restore, and an appeal to decide ----------


@pytest.fixture
def world(app, make_user, make_board, make_thread, make_post, moderator):
    author = make_user("author-ann")
    target = make_user("target-tom")  # sanctioned through the member page
    appellant = make_user("appellant-al")
    imposer = make_user("mod-imposer", role="moderator")  # not one of the roles under test
    silenced = make_user("silent-sam")
    admin = make_user("admin-ada", role="admin")
    board = make_board(slug="mod-access", name="Moderation access board")
    thread = make_thread(board=board, author=author, title="Moderation access thread")
    flagged = make_post(thread, author=author, body="A flagged reply.")
    hidden = make_post(thread, author=author, body="A hidden reply.")
    with app.app_context():
        db.session.execute(
            sa.update(Post)
            .where(Post.id == hidden.id)
            .values(state="hidden", moderation_reason="Hidden by a moderator.")
        )
        flag = Flag(post_id=flagged.id, flagger_id=appellant.id, reason="spam")
        db.session.add(flag)
        db.session.commit()
        flag_id = flag.id
        by = db.session.get(User, imposer.id)
        sanction = sanctions.impose_sanction(
            by, db.session.get(User, appellant.id), "warning", "Off-topic.", None
        )
        appeal_id = sanctions.appeal_sanction(
            db.session.get(User, appellant.id), sanction, "I was on topic, please look again."
        ).id
        sanctions.impose_sanction(
            db.session.get(User, imposer.id),
            db.session.get(User, silenced.id),
            "silence",
            "Insults.",
            utcnow() + timedelta(days=2),
        )
    return {
        "users": {
            "member": author,
            "silenced": silenced,
            "moderator": moderator,
            "admin": admin,
        },
        "board": board,
        "thread": thread,
        "target": target,
        "flagged": flagged,
        "flag_id": flag_id,
        "hidden": hidden,
        "appeal_id": appeal_id,
    }


@dataclass
class Route:
    method: str
    path: str
    data: dict
    state: Callable[[], object] | None = None  # what a POST that works changes
    shows: str | None = None  # what a moderator's GET shows


def routes(app, world) -> dict[str, Route]:
    thread, target = world["thread"], world["target"]
    flagged, hidden = world["flagged"], world["hidden"]
    appeal_id = world["appeal_id"]
    return {
        "GET /moderation": Route("GET", "/moderation", {}, shows="Review queue"),
        "GET /moderation/log": Route("GET", "/moderation/log", {}, shows="Moderation log"),
        "GET /moderation/members/<name>": Route(
            "GET", f"/moderation/members/{target.display_name}", {}, shows="Sanction history"
        ),
        "POST /moderation/members/<name>": Route(
            "POST",
            f"/moderation/members/{target.display_name}",
            {"kind": "warning", "reason": "Please stay on topic."},
            state=lambda: scalar(
                app, sa.select(sa.func.count(Sanction.id)).where(Sanction.user_id == target.id)
            ),
        ),
        "POST /moderation/members/<name>/trust": Route(
            "POST",
            f"/moderation/members/{target.display_name}/trust",
            {"trust-level": "new", "trust-reason": "Posting clinic links."},
            state=lambda: scalar(
                app, sa.select(User.trust_level_override).where(User.id == target.id)
            ),
        ),
        "GET /moderation/threads/<id>": Route(
            "GET", f"/moderation/threads/{thread.id}", {}, shows="Thread tools"
        ),
        "POST /moderation/threads/<id>?tool=lock": Route(
            "POST",
            f"/moderation/threads/{thread.id}?tool=lock",
            {"reason": "Going in circles."},
            state=lambda: scalar(app, sa.select(Thread.is_locked).where(Thread.id == thread.id)),
        ),
        "POST /moderation/posts/<id>/decide": Route(
            "POST",
            f"/moderation/posts/{flagged.id}/decide",
            {"decision": "hide", "reason": "Spam.", "flag_ids": str(world["flag_id"])},
            state=lambda: (
                scalar(app, sa.select(Post.state).where(Post.id == flagged.id)),
                scalar(app, sa.select(Flag.outcome).where(Flag.id == world["flag_id"])),
            ),
        ),
        "POST /moderation/posts/<id>/restore": Route(
            "POST",
            f"/moderation/posts/{hidden.id}/restore",
            {"reason": "Hidden by mistake."},
            state=lambda: scalar(app, sa.select(Post.state).where(Post.id == hidden.id)),
        ),
        "POST /moderation/appeals/<id>": Route(
            "POST",
            f"/moderation/appeals/{appeal_id}",
            {"decision": "overturned", "reason": "It was on topic."},
            state=lambda: scalar(app, sa.select(Appeal.decision).where(Appeal.id == appeal_id)),
        ),
    }


ROUTE_NAMES = [
    "GET /moderation",
    "GET /moderation/log",
    "GET /moderation/members/<name>",
    "POST /moderation/members/<name>",
    "POST /moderation/members/<name>/trust",
    "GET /moderation/threads/<id>",
    "POST /moderation/threads/<id>?tool=lock",
    "POST /moderation/posts/<id>/decide",
    "POST /moderation/posts/<id>/restore",
    "POST /moderation/appeals/<id>",
]


@pytest.mark.parametrize("route_name", ROUTE_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_moderation_route_access(app, client, world, role, route_name):
    route = routes(app, world)[route_name]
    if role != "visitor":
        login(client, world["users"][role])
    before = route.state() if route.state else None

    response = client.open(route.path, method=route.method, data=route.data)

    if role == "visitor":
        assert response.status_code == 302
        assert response.location.startswith("/login?next=")
    elif role in ("member", "silenced"):
        assert response.status_code == 403, text_of(response)[:500]
        assert NOT_ALLOWED in text_of(response)
    elif route.method == "GET":
        assert response.status_code == 200, text_of(response)[:500]
        assert route.shows in text_of(response)
    else:
        assert response.status_code == 302, text_of(response)[:500]
    if route.state is not None:
        changed = route.state() != before
        assert changed == (role in ("moderator", "admin")), (role, before, route.state())


EXPECTED_AFTER = {
    "POST /moderation/members/<name>": 1,
    "POST /moderation/members/<name>/trust": "new",
    "POST /moderation/threads/<id>?tool=lock": True,
    "POST /moderation/posts/<id>/decide": ("hidden", "upheld"),
    "POST /moderation/posts/<id>/restore": "visible",
    "POST /moderation/appeals/<id>": "overturned",
}


@pytest.mark.parametrize("route_name", list(EXPECTED_AFTER))
@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_moderator_posts_do_what_they_say(app, client, world, role, route_name):
    route = routes(app, world)[route_name]
    login(client, world["users"][role])

    response = client.post(route.path, data=route.data)

    assert response.status_code == 302
    assert route.state() == EXPECTED_AFTER[route_name]
    assert "flash-error" not in client.get(response.location).get_data(as_text=True)


def test_visitor_is_sent_back_to_the_moderation_page_after_signing_in(app, client, world):
    response = client.get("/moderation/log")
    assert response.status_code == 302
    sign_in_page = response.location

    signed_in = client.post(
        f"/login/dev?{sign_in_page.split('?', 1)[1]}",
        data={"pseudonym": world["users"]["moderator"].display_name},
    )

    assert signed_in.status_code == 302
    assert signed_in.location == "/moderation/log"


READ_PAGES = ["/", "/b/{board}", "/t/{thread}/{slug}", "/p/{post}/history", "/settings/sanctions"]


@pytest.mark.parametrize("template", READ_PAGES)
def test_silenced_member_can_read(app, client, world, template):
    thread = world["thread"]
    path = template.format(
        board=world["board"].slug, thread=thread.id, slug=thread.slug, post=world["flagged"].id
    )
    login(client, world["users"]["silenced"])

    response = client.get(path)

    assert response.status_code == 200
    assert "You are silenced until" in text_of(response)


def test_silenced_member_does_not_see_the_moderation_link(app, client, world):
    login(client, world["users"]["silenced"])
    assert 'href="/moderation"' not in client.get("/").get_data(as_text=True)
    moderator = app.test_client()
    login(moderator, world["users"]["moderator"])
    assert 'href="/moderation"' in moderator.get("/").get_data(as_text=True)


# -- CSRF: every moderation POST without the form's token is refused and changes nothing --------


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


def _token(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, text_of(response)[:500]
    tokens = _Text(response.get_data(as_text=True)).tokens
    assert tokens, f"no csrf_token on {url}"
    return tokens[-1]


def _sign_in(client, user) -> None:
    token = _token(client, "/login/dev")
    response = client.post("/login/dev", data={"pseudonym": user.display_name, "csrf_token": token})
    assert response.status_code == 302, text_of(response)[:500]
    pass_second_factor(client, user)


def _member_routes(app, world) -> dict[str, tuple[object, Route]]:
    """The moderation blueprint's member-side POSTs: appealing and flagging."""
    appellant = world["target"]
    with app.app_context():
        db.session.execute(
            sa.update(User)
            .where(User.id == appellant.id)
            .values(created_at=utcnow() - timedelta(days=3))
        )
        db.session.commit()
        sanction_id = sanctions.impose_sanction(
            db.session.get(User, world["users"]["moderator"].id),
            db.session.get(User, appellant.id),
            "warning",
            "Tone.",
            None,
        ).id
    flagged = world["flagged"]
    return {
        "POST /settings/sanctions?sanction=<id>": (
            appellant,
            Route(
                "POST",
                f"/settings/sanctions?sanction={sanction_id}",
                {"text": "My tone was fine; please read it again."},
                state=lambda: scalar(
                    app,
                    sa.select(sa.func.count(Appeal.id)).where(Appeal.sanction_id == sanction_id),
                ),
            ),
        ),
        "POST /p/<id>/flag": (
            appellant,
            Route(
                "POST",
                f"/p/{flagged.id}/flag",
                {"reason": "misinformation"},
                state=lambda: scalar(
                    app, sa.select(sa.func.count(Flag.id)).where(Flag.flagger_id == appellant.id)
                ),
            ),
        ),
    }


CSRF_ROUTES = [name for name in ROUTE_NAMES if name.startswith("POST")] + [
    "POST /settings/sanctions?sanction=<id>",
    "POST /p/<id>/flag",
]


def _csrf_case(app, world, route_name) -> tuple[object, Route]:
    moderator_routes = routes(app, world)
    if route_name in moderator_routes:
        return world["users"]["moderator"], moderator_routes[route_name]
    return _member_routes(app, world)[route_name]


@pytest.mark.parametrize("route_name", CSRF_ROUTES)
def test_moderation_post_without_token_is_refused(csrf_app, world, route_name):
    user, route = _csrf_case(csrf_app, world, route_name)
    client = csrf_app.test_client()
    _sign_in(client, user)
    before = route.state()

    response = client.post(route.path, data=route.data)

    assert response.status_code == 400
    assert EXPIRED in text_of(response)
    assert route.state() == before


@pytest.mark.parametrize("route_name", CSRF_ROUTES)
def test_moderation_post_with_forged_token_is_refused(csrf_app, world, route_name):
    user, route = _csrf_case(csrf_app, world, route_name)
    client = csrf_app.test_client()
    _sign_in(client, user)
    before = route.state()

    response = client.post(route.path, data={**route.data, "csrf_token": "forged"})

    assert response.status_code == 400
    assert route.state() == before


@pytest.mark.parametrize("route_name", CSRF_ROUTES)
def test_moderation_post_with_the_pages_token_works(csrf_app, world, route_name):
    """The refusals above are about the token: with it, the same request goes through."""
    user, route = _csrf_case(csrf_app, world, route_name)
    client = csrf_app.test_client()
    _sign_in(client, user)
    before = route.state()
    token = _token(client, "/settings/sanctions")

    response = client.post(route.path, data={**route.data, "csrf_token": token})

    assert response.status_code == 302, text_of(response)[:500]
    assert route.state() != before
