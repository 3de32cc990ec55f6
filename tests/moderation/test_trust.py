"""Trust levels on the moderators' side: an established member's flag weighs two, upheld
flags and sanctions hold a member back from "established", and a moderator sets a level by
hand, with a reason in the log (the rules themselves: tests/policy/test_trust.py)."""

from datetime import timedelta

import sqlalchemy as sa

from forum.accounts.models import TrustLevel, User
from forum.extensions import db, utcnow
from forum.moderation import services
from forum.moderation.models import Flag, ModerationAction
from forum.moderation.sanctions import impose_sanction
from forum.policy.trust import trust_level
from forum.threads.models import Post
from tests.conftest import first_post_id, login, set_standing


def _level(user) -> TrustLevel:
    db.session.expire_all()
    return trust_level(db.session.get(User, user.id))


def _flag(user, post_id: int, reason: str = "spam") -> Flag:
    return services.flag_post(
        db.session.get(User, user.id), db.session.get(Post, post_id), reason, ""
    )


def test_two_established_members_flags_hide_what_two_members_flags_do_not(
    app, make_user, make_thread
):
    veterans = [make_user(f"veteran-{n}") for n in range(2)]
    regulars = [make_user(f"regular-{n}") for n in range(2)]
    for veteran in veterans:
        set_standing(app, veteran, days=120, posts=40)
    for regular in regulars:
        set_standing(app, regular, days=20, posts=3)
    ads, tip = make_thread(title="Best clinic in town"), make_thread(title="A useful tip")
    with app.app_context():
        for regular in regulars:
            _flag(regular, first_post_id(app, tip))
        assert db.session.get(Post, first_post_id(app, tip)).state == "visible"  # 1 + 1 < 3

        _flag(veterans[0], first_post_id(app, ads))
        assert db.session.get(Post, first_post_id(app, ads)).state == "visible"  # 2 < 3
        _flag(veterans[1], first_post_id(app, ads))
        db.session.expire_all()
        assert db.session.get(Post, first_post_id(app, ads)).state == "hidden"  # 4 >= 3
        weights = db.session.scalars(
            sa.select(Flag.weight).where(Flag.post_id == first_post_id(app, ads))
        ).all()
        assert weights == [2, 2]


def test_an_upheld_flag_or_a_sanction_holds_a_member_back_for_sixty_days(
    app, make_user, make_thread, moderator
):
    veteran, other = make_user("long-timer"), make_user("other-veteran")
    for member in (veteran, other):
        set_standing(app, member, days=200, posts=30)
    thread = make_thread(author=veteran, title="My clinic's offer")
    flagger = make_user("flagger")
    set_standing(app, flagger, days=10, posts=1)
    with app.app_context():
        assert _level(veteran) is TrustLevel.ESTABLISHED
        flag = _flag(flagger, first_post_id(app, thread))
        post = db.session.get(Post, first_post_id(app, thread))
        services.decide_on_post(
            db.session.get(User, moderator.id), post, "hide", "Advertising", [flag.id]
        )
        assert _level(veteran) is TrustLevel.MEMBER

        impose_sanction(
            db.session.get(User, moderator.id),
            db.session.get(User, other.id),
            "warning",
            "Please keep it civil.",
            None,
        )
        assert _level(other) is TrustLevel.MEMBER
        # Sixty days on, with nothing more, they are established again.
        later = utcnow() + timedelta(days=61)
        assert trust_level(db.session.get(User, other.id), later) is TrustLevel.ESTABLISHED


def test_a_moderator_sets_a_level_by_hand_and_the_log_says_why(app, client, make_user, moderator):
    member = make_user("clinic-tout")
    set_standing(app, member, days=90, posts=12)
    login(client, moderator)
    page = client.get(f"/moderation/members/{member.display_name}").get_data(as_text=True)
    assert "Established member</strong>, computed from their time here and record" in page

    response = client.post(
        f"/moderation/members/{member.display_name}/trust",
        data={"trust-level": "new", "trust-reason": "Links to one clinic in every post."},
    )

    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "clinic-tout is now: New member." in page
    assert "New member</strong>, set by hand (computed: Established member)" in page
    with app.app_context():
        [entry] = db.session.scalars(
            sa.select(ModerationAction).where(ModerationAction.action == "trust_level")
        ).all()
        assert (entry.actor_id, entry.subject_user_id) == (moderator.id, member.id)
        assert entry.reason == "Links to one clinic in every post."
        assert entry.details["before"] == "established" and entry.details["after"] == "new"
        assert _level(member) is TrustLevel.NEW

    # "As computed" gives the level back to the rules.
    client.post(
        f"/moderation/members/{member.display_name}/trust",
        data={"trust-level": "auto", "trust-reason": "Talked it through; fine now."},
    )
    with app.app_context():
        assert _level(member) is TrustLevel.ESTABLISHED


def test_a_level_without_a_reason_is_refused_and_keeps_the_choice(
    app, client, make_user, moderator
):
    member = make_user("someone")
    login(client, moderator)
    response = client.post(
        f"/moderation/members/{member.display_name}/trust",
        data={"trust-level": "established", "trust-reason": "  "},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Please say why." in page
    assert '<option selected value="established">' in page
    with app.app_context():
        assert db.session.get(User, member.id).trust_level_override is None


def test_the_guidelines_show_what_each_level_allows(client):
    page = client.get("/guidelines").get_data(as_text=True)
    assert 'id="trust"' in page
    for label in ("New member", "Established member", "Counts twice", "No limit"):
        assert label in page
