"""Members-only threads never reach feed readers or crawlers: not in the site or board
feeds, not in the sitemap, and their own feed is not there at all."""

import pytest

from tests.conftest import login
from tests.feeds.conftest import A, S, parse


@pytest.fixture
def threads(make_board, make_user, make_thread, make_post):
    board = make_board(slug="pumps", name="Pain pumps")
    author = make_user("pump-pat")
    public = make_thread(board=board, author=author, title="Pump refill tips", body="Open.")
    closed = make_thread(
        board=board,
        author=author,
        title="Pump and my marriage",
        body="Private words about home.",
        visibility="members",
    )
    make_post(closed, body="A private reply.")
    return {"public": public, "closed": closed}


def _titles(root) -> list[str]:
    return [entry.findtext(A + "title") for entry in root.findall(A + "entry")]


@pytest.mark.parametrize("path", ["/feeds/latest.atom", "/b/pumps.atom"])
def test_site_and_board_feeds_leave_members_only_threads_out(client, threads, path):
    response = client.get(path)

    assert _titles(parse(response)) == ["Pump refill tips"]
    raw = response.get_data(as_text=True)
    assert "Pump and my marriage" not in raw
    assert "Private words" not in raw


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_members_only_thread_has_no_feed_for_anyone(client, make_user, threads, signed_in):
    if signed_in:  # feed readers are never signed in: a feed only members get is no feed
        login(client, make_user())

    response = client.get(f"/t/{threads['closed'].id}.atom")

    assert response.status_code == 404
    assert "Private words" not in response.get_data(as_text=True)
    assert client.get(f"/t/{threads['public'].id}.atom").status_code == 200


def test_the_sitemap_leaves_members_only_threads_out(client, threads):
    root = parse(client.get("/sitemap.xml"))

    locations = [url.findtext(S + "loc") for url in root.findall(S + "url")]
    assert f"http://localhost/t/{threads['public'].id}/pump-refill-tips" in locations
    assert not any(f"/t/{threads['closed'].id}/" in loc for loc in locations)


def test_a_sitemap_split_into_files_counts_members_only_threads_nowhere(
    make_app, make_board, make_thread
):
    """Three public pages (home, board, one thread) fit one file of three: the members-only
    thread must not push the sitemap into an index of files."""
    app = make_app(SITEMAP_URLS_PER_FILE=3)
    board = make_board()
    make_thread(board=board, title="An open thread")
    make_thread(board=board, title="A closed thread", visibility="members")

    root = parse(app.test_client().get("/sitemap.xml"))

    assert root.tag == S + "urlset"
    assert len(root.findall(S + "url")) == 3
