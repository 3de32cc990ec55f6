"""A member may show their recent posts on their profile to signed-in members only."""

from tests.conftest import login


def _hide(client, member, hidden: bool = True):
    login(client, member)
    data = {"hide_history": "y"} if hidden else {}
    response = client.post("/settings/history", data=data)
    assert response.status_code == 302
    client.post("/logout")


def test_visitors_do_not_see_a_hidden_history(client, member, make_thread):
    """The thread itself stays public; only the profile's list is for members."""
    thread = make_thread(author=member, title="My second rhizotomy, honestly")
    _hide(client, member)

    profile = client.get("/u/patient-pat").get_data(as_text=True)
    assert "shows their recent posts to signed-in members only" in profile
    assert "My second rhizotomy, honestly" not in profile
    assert client.get(f"/t/{thread.id}").status_code in (200, 301)


def test_signed_in_members_still_see_it(client, member, make_user, make_thread):
    make_thread(author=member, title="My second rhizotomy, honestly")
    _hide(client, member)

    login(client, make_user("reader-rita"))
    profile = client.get("/u/patient-pat").get_data(as_text=True)
    assert "My second rhizotomy, honestly" in profile
    assert "signed-in members only" not in profile


def test_showing_it_again(client, member, make_thread):
    make_thread(author=member, title="My second rhizotomy, honestly")
    _hide(client, member)
    _hide(client, member, hidden=False)

    assert "My second rhizotomy, honestly" in client.get("/u/patient-pat").get_data(as_text=True)


def test_the_settings_page_offers_it(client, member):
    login(client, member)
    page = client.get("/settings").get_data(as_text=True)
    assert 'action="/settings/history"' in page
    assert "Show my recent posts on my profile to signed-in members only" in page
