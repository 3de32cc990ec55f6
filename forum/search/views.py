from flask import Blueprint, current_app, render_template, request
from flask_login import current_user
from wtforms import SelectChoice

from forum.boards.services import list_boards
from forum.errors import DomainError
from forum.forms import page_arg, show_domain_error
from forum.search.forms import SearchForm
from forum.search.services import search_posts

bp = Blueprint("search", __name__)


@bp.get("/search")
def index():
    boards = list_boards()
    form = SearchForm(request.args)
    form.board.choices = [SelectChoice("", "All boards")] + [
        SelectChoice(board.slug, board.name) for board in boards
    ]
    page = page_arg()
    if "q" not in request.args:  # the empty search page
        return render_template("search/index.html", form=form, results=None)
    if not form.validate() or page < 1:
        return render_template("search/index.html", form=form, results=None), 400
    board = next((b for b in boards if b.slug == form.board.data), None)
    try:
        results = search_posts(
            form.q.data,
            boards,
            board,
            form.sort.data,
            page,
            current_app.config["SEARCH_RESULTS_PER_PAGE"],
            viewer=current_user,
        )
    except DomainError as error:
        show_domain_error(form, error)
        return render_template("search/index.html", form=form, results=None), 400
    return render_template("search/index.html", form=form, results=results, board=board)
