from flask import Blueprint, current_app, render_template, request

from forum.boards import services
from forum.caching import for_visitors
from forum.threads.services import list_threads
from forum.threads.versions import list_boards_versions, list_threads_versions

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
    board = services.get_board_or_404(slug)
    number = request.args.get("page", 1, type=int)
    per_page = current_app.config["THREADS_PER_PAGE"]
    return for_visitors(
        lambda: render_template(
            "boards/detail.html", board=board, page=list_threads(board, number, per_page)
        ),
        lambda: (board.row_version, per_page, list_threads_versions(board, number, per_page)),
    )
