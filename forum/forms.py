"""Form pieces shared by every feature."""

import secrets
from collections.abc import Callable
from typing import TypeVar

from flask import abort, request
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, ValidationError
from wtforms.widgets import HiddenInput

from forum.content import clean_text
from forum.errors import DomainError

T = TypeVar("T")

# -- numbers from a request ----------------------------------------------------------------
# Every id, page number and version a request carries is checked here against what its
# column holds, so a huge one is a 404 or 400, never an overflow in the driver (a 500).
# Every id and version column is an INTEGER: 32 bits signed on PostgreSQL (SQLite's hold
# 64), and PostgreSQL refuses to compare one with a larger number.
COLUMN_MAX = 2**31 - 1
# Far past any listing; page x per page still fits an OFFSET (64 bits on both databases).
PAGE_MAX = 2**31 - 1


class IdConverter(IntegerConverter):
    """The app's `<int:...>` route converter: as Werkzeug's, but a number past what a
    column holds does not match (404). `<int(max=...):...>` bounds it lower."""

    # The arguments are named as Werkzeug's, since a rule passes them by name.
    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        bound = COLUMN_MAX if max is None else max
        super().__init__(map, fixed_digits, min, bound, signed)


def bounded_int(value: str) -> int:
    """`type=` for request.args.get: an int an INTEGER column holds, else ValueError (which
    makes `get` return its default)."""
    number = int(value)
    if not -COLUMN_MAX - 1 <= number <= COLUMN_MAX:
        raise ValueError(f"{value[:30]} is out of range")
    return number


def id_arg(name: str) -> int | None:
    """A positive id from the query string; None when absent, malformed or out of range."""
    number = request.args.get(name, type=bounded_int)
    return number if number is not None and number > 0 else None


def page_arg() -> int:
    """The ?page= number: 1 when absent or not a number, 0 below 1 (which each listing
    refuses as it always has), 404 past PAGE_MAX."""
    number = request.args.get("page", 1, type=int)
    if number > PAGE_MAX:
        abort(404, "There is no such page.")
    return max(number, 0)


# A hidden IntegerField (a version) holds at most what its column does.
FITS_COLUMN = NumberRange(min=-COLUMN_MAX - 1, max=COLUMN_MAX)


def id_list(form, field) -> None:
    """Validator of a hidden field of comma-separated ids (a moderator's flag ids)."""
    for part in filter(None, (field.data or "").split(",")):
        if not part.isdigit() or int(part) > COLUMN_MAX:
            raise ValidationError("Not a list of ids.")


def _multiline(value: str | None) -> str | None:
    return clean_text(value, multiline=True)


def _single_line(value: str | None) -> str | None:
    return clean_text(value, multiline=False)


class ForumForm(FlaskForm):
    """The base of every form here: each text field is cleaned by the one rule
    (forum/content.py clean_text) before its own filters and validators run; a text area
    keeps its lines, any other text field is one line. Hidden fields (the CSRF token among
    them) render without an id."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            kind = unbound_field.field_class
            if issubclass(kind, StringField):
                clean = _multiline if issubclass(kind, TextAreaField) else _single_line
                own = options.get("filters", unbound_field.kwargs.get("filters", ()))
                options = {**options, "filters": [clean, *own]}
            return super().bind_field(form, unbound_field, options)

        def render_field(self, field, render_kw):
            # A hidden input has no label to point at it, so it has no id: a page of many
            # forms (each with its CSRF token, say) then never holds one id twice.
            if isinstance(field.widget, HiddenInput):
                render_kw = {"id": False, **render_kw}
            return super().render_field(field, render_kw)


class EmptyForm(ForumForm):
    """A form with only its CSRF token: for POST buttons (sign out, delete)."""


class SubmitOnceForm(ForumForm):
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
