"""Form pieces shared by every feature."""

import secrets
from collections.abc import Callable
from typing import TypeVar

from flask import request
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import Length

from forum.errors import DomainError

T = TypeVar("T")


class EmptyForm(FlaskForm):
    """A form with only its CSRF token: for POST buttons (sign out, delete)."""


class SubmitOnceForm(FlaskForm):
    """A form that creates something. Its key is fixed when the form is first shown,
    so a double click or a browser retry submits the same key and creates one thing."""

    # As long as the column that keeps it: a tampered, longer key is refused, not a 500.
    submission_key = HiddenField(validators=[Length(max=64)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.submission_key.data:
            self.submission_key.data = secrets.token_urlsafe(16)


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's refusal next to the field it concerns, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def submit_form(form: FlaskForm, action: Callable[[], T]) -> tuple[T | None, int]:
    """Validate a posted form and run the service on it.

    Returns (result, 200) on success, or (None, status) when the form must be shown again:
    200 for a plain GET, 422 for invalid fields, the service's status for a refusal (whose
    message is put on the form, so the user keeps what they typed)."""
    if not form.validate_on_submit():
        return None, 422 if request.method == "POST" else 200
    try:
        return action(), 200
    except DomainError as error:
        show_domain_error(form, error)
        return None, error.status_code
