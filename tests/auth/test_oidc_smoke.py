from tests.auth.conftest import Visitor


def test_first_sign_in_onboards_then_signs_back_in(live_forum, provider):
    with live_forum() as app:
        person = Visitor(app.base_url)
        back = person.sign_in("clinic", "alice")
        assert back.status_code == 302
        assert back.headers["Location"] == "/onboarding"
        done = person.onboard("Alice-Pain")
        assert done.status_code == 302, done.text[:500]
        assert person.signed_in_as() == "Alice-Pain"
        assert person.post("/logout").status_code == 302
        assert person.signed_in_as() is None
        again = person.sign_in("clinic", "alice")
        assert again.status_code == 302
        assert again.headers["Location"] == "/"
        assert person.signed_in_as() == "Alice-Pain"
