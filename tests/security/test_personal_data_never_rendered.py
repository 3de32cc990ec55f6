"""A member's notification e-mail and provider identities appear on no page, feed or file the
forum serves: every GET route in the route map, as a visitor, another member, a moderator and
the member themself (whose own e-mail settings page is the one place their address shows)."""

import sqlalchemy as sa

from forum.accounts.models import User
from forum.auth.models import Identity
from forum.extensions import db, utcnow
from tests.conftest import login
from tests.security.conftest import all_rules, build_path, methods_of

EMAIL = "ann.private@mail.example"
ISSUER = "https://id.clinic-provider.example"
SUBJECT = "subject-4471-ann"
# The one page that shows an address: its owner's own e-mail settings.
OWN_ADDRESS_PAGES = {"mail.settings"}


def _give_ann_private_data(app, pseudonym: str) -> User:
    with app.app_context():
        ann = db.session.scalar(sa.select(User).where(User.display_name == pseudonym))
        ann.notify_email = EMAIL
        ann.notify_email_confirmed_at = utcnow()
        ann.email_frequency = "instant"
        db.session.add(Identity(user_id=ann.id, provider="clinic", issuer=ISSUER, subject=SUBJECT))
        db.session.commit()
        db.session.refresh(ann)
        db.session.expunge(ann)
        return ann


def _pages(app, client, world, viewer: str) -> list[tuple[str, str, str]]:
    pages = []
    for rule in all_rules(app):
        if "GET" not in methods_of(rule) or rule.endpoint == "static":
            continue
        if viewer == "ann" and rule.endpoint in OWN_ADDRESS_PAGES:
            continue
        path = build_path(rule, world)
        with client.get(path) as response:
            if response.mimetype.startswith("image/"):  # the site's icon: no text to read
                continue
            pages.append((rule.endpoint, path, response.get_data(as_text=True)))
    return pages


def test_no_page_shows_an_e_mail_address_or_provider_identity(app, world):
    ann = _give_ann_private_data(app, world.author)
    viewers = {"visitor": None, "member": world.member, "moderator": world.moderator, "ann": ann}
    leaks, seen = [], 0
    for viewer, user in viewers.items():
        client = app.test_client()
        if user is not None:
            login(client, user)
        for endpoint, path, body in _pages(app, client, world, viewer):
            seen += 1
            for secret in (EMAIL, "ann.private", ISSUER, "clinic-provider", SUBJECT):
                if secret in body:
                    leaks.append((viewer, endpoint, path, secret))
    assert seen > 4 * 30, "the walk reached too few pages to mean anything"
    assert leaks == []


def test_the_owner_sees_their_own_address_on_their_settings_only(app, world):
    """The check above would pass if the address were stored nowhere: it is shown here."""
    ann = _give_ann_private_data(app, world.author)
    client = app.test_client()
    login(client, ann)
    assert EMAIL in client.get("/settings/email").get_data(as_text=True)
