from tests.conftest import login


def test_member_starts_thread_and_visitor_reads_it(client, app, make_board, member):
    board = make_board(slug="rfa", name="RFA")
    login(client, member)
    response = client.post(
        "/b/rfa/new",
        data={"title": "My first ablation", "body": "It **helped**.", "visibility": "public"},
    )
    assert response.status_code == 302
    client.post("/logout")
    page = client.get(response.location, follow_redirects=True).get_data(as_text=True)
    assert "My first ablation" in page
    assert "<strong>helped</strong>" in page
    assert board.slug == "rfa"
