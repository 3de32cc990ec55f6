"""Form pieces shared by every feature."""

import secrets

from flask_wtf import FlaskForm
from wtforms import HiddenField

from forum.errors import DomainError


class EmptyForm(FlaskForm):
    """A form with only its CSRF token: for POST buttons (sign out, delete)."""


class SubmitOnceForm(FlaskForm):
    """A form that creates something. Its key is fixed when the form is first shown,
    so a double click or a browser retry submits the same key and creates one thing."""

    submission_key = HiddenField()

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
