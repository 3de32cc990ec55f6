"""Fixtures the e-mail tests share: a real SMTP server on 127.0.0.1 and an app that sends
to it. Tests that do not ask for them start no server."""

import pytest

from tests.notifications.test_mail_smtp import mail_config, smtp_server


@pytest.fixture
def inbox():
    with smtp_server() as server:
        yield server


@pytest.fixture
def mail_app(make_app, inbox):
    return make_app(**mail_config(inbox.port))
