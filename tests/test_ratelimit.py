"""The per-address limit on every page, and a view's own limits, counted per worker (the
limits each feature sets are tested with the feature: posting, signing in, exports)."""

VISITOR = {"REMOTE_ADDR": "198.51.100.7"}


def test_past_the_page_limit_a_visitor_waits_and_is_told_how_long(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="3 per minute")
    client = app.test_client()

    statuses = [client.get("/", environ_base=VISITOR).status_code for _ in range(3)]
    refused = client.get("/", environ_base=VISITOR)

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert "Too many requests" in refused.get_data(as_text=True)


def test_the_page_limit_counts_each_address_and_each_page_apart(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2 per minute")
    client = app.test_client()
    for _ in range(2):
        client.get("/", environ_base=VISITOR)

    assert client.get("/", environ_base=VISITOR).status_code == 429
    assert client.get("/", environ_base={"REMOTE_ADDR": "198.51.100.8"}).status_code == 200
    assert client.get("/search?q=pain", environ_base=VISITOR).status_code == 200


def test_static_files_are_not_counted(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2 per minute")
    client = app.test_client()

    statuses = set()
    for _ in range(5):
        with client.get("/static/css/forum.css", environ_base=VISITOR) as response:
            statuses.add(response.status_code)

    assert statuses == {200}
    assert client.get("/", environ_base=VISITOR).status_code == 200


def test_a_views_own_limit_counts_only_the_methods_it_names(make_app):
    # The development sign-in's limit is on POST: reading its form is a page like any other.
    app = make_app(
        RATELIMIT_ENABLED=True, RATELIMIT_SIGN_IN="2 per minute", RATELIMIT_DEFAULT="50 per minute"
    )
    client = app.test_client()
    reads = {client.get("/login/dev", environ_base=VISITOR).status_code for _ in range(4)}
    posts = [
        client.post("/login/dev", data={"pseudonym": ""}, environ_base=VISITOR).status_code
        for _ in range(3)
    ]

    assert reads == {200}
    assert 429 not in posts[:2] and posts[2] == 429


def test_nothing_is_counted_when_limits_are_off(make_app):
    app = make_app(RATELIMIT_ENABLED=False, RATELIMIT_DEFAULT="1 per minute")
    client = app.test_client()

    assert {client.get("/", environ_base=VISITOR).status_code for _ in range(3)} == {200}
