from flask import Blueprint, current_app, render_template

from forum.boards import services
from forum.caching import for_visitors
from forum.forms import page_arg
from forum.threads.services import list_threads
from forum.threads.versions import board_page_versions, list_boards_versions

bp = Blueprint("boards", __name__)


@bp.get("/")
def index():
    return for_visitors(
        lambda: render_template(
            "boards/index.html", categories=services.list_boards_by_category()
        ),
        list_boards_versions,
    )


@bp.get("/b/<slug>")
def detail(slug: str):
    number = page_arg()
    per_page = current_app.config["THREADS_PER_PAGE"]

    def render() -> str:
        board = services.get_board_or_404(slug)
        page = list_threads(board, number, per_page)
        return render_template("boards/detail.html", board=board, page=page)

    # A visitor's versions say 404 for no such board or page before anything is loaded.
    return for_visitors(render, lambda: (per_page, board_page_versions(slug, number, per_page)))
