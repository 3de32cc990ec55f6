from wtforms import Form, SelectChoice, SelectField, StringField

from forum.search.query import QUERY_MAX


class SearchForm(Form):
    """The search box and its options: a GET form, so no CSRF token."""

    q = StringField("Search for", render_kw={"maxlength": QUERY_MAX, "type": "search"})
    board = SelectField("In", default="", invalid_choice_message="There is no board by that name.")
    sort = SelectField(
        "Order",
        choices=[SelectChoice("relevance", "Best match"), SelectChoice("newest", "Newest")],
        default="relevance",
        invalid_choice_message="Order results by best match or newest.",
    )
