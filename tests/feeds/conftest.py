"""Helpers for the feed and sitemap tests: parsing, and changing what visitors may see."""

import xml.etree.ElementTree as ET

import sqlalchemy as sa

from forum.extensions import db
from forum.threads.models import Post, Thread

ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
A = f"{{{ATOM_NS}}}"
S = f"{{{SITEMAP_NS}}}"


def parse(response) -> ET.Element:
    """The XML document of a response (ElementTree refuses anything not well-formed)."""
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return ET.fromstring(response.get_data())


def hide_thread(app, thread) -> None:
    """As if its first post still waited for a moderator's approval."""
    with app.app_context():
        db.session.execute(sa.update(Thread).where(Thread.id == thread.id).values(is_hidden=True))
        db.session.commit()


def set_post_state(app, post_id: int, state: str) -> None:
    with app.app_context():
        db.session.execute(sa.update(Post).where(Post.id == post_id).values(state=state))
        db.session.commit()


def body_html(app, post_id: int) -> str:
    with app.app_context():
        return db.session.scalar(sa.select(Post.body_html).where(Post.id == post_id))
