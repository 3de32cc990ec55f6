"""The messages pages run the same number of statements whatever they hold."""

from tests.conftest import login
from tests.messages.conftest import conversation_id, reply, start


def _statements(count_queries, client, path: str) -> int:
    client.get(path)  # the first request of a session notes when the member was last seen
    with count_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200
    return len(statements)


def test_the_list_costs_the_same_for_two_conversations_or_twenty(
    app, count_queries, ana, ben, cleo
):
    writer, reader = app.test_client(), app.test_client()
    login(writer, ana)
    login(reader, ben)
    counts = []
    for number in range(20):
        start(writer, "ben, cleo" if number % 2 else "ben", subject=f"Subject {number}")
        if number in (1, 19):
            counts.append(_statements(count_queries, reader, "/messages"))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 6, counts


def test_a_conversation_costs_the_same_for_three_messages_or_sixty(app, count_queries, ana, ben):
    writer, reader = app.test_client(), app.test_client()
    login(writer, ana)
    login(reader, ben)
    short = conversation_id(start(writer, "ben", subject="Short"))
    long = conversation_id(start(writer, "ben", subject="Long"))
    for number in range(2):
        reply(writer, short, f"Short {number}")
    for number in range(59):
        reply(writer if number % 2 else reader, long, f"Long {number}")
    counts = [_statements(count_queries, reader, f"/messages/{cid}") for cid in (short, long)]
    assert counts[0] == counts[1], counts
    assert counts[0] <= 10, counts
