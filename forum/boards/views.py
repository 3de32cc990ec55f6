from flask import Blueprint, current_app, render_template, request

from forum.boards import services
from forum.caching import for_visitors
from forum.threads.services import list_threads

bp = Blueprint("boards", __name__)


@bp.get("/")
def index():
    categories = services.list_boards_by_category()
    return for_visitors(
        lambda: render_template("boards/index.html", categories=categories), categories
    )


@bp.get("/b/<slug>")
def detail(slug: str):
    board = services.get_board_or_404(slug)
    page = list_threads(
        board, request.args.get("page", 1, type=int), current_app.config["THREADS_PER_PAGE"]
    )
    return for_visitors(
        lambda: render_template("boards/detail.html", board=board, page=page),
        board,
        page.items,
        (page.number, page.per_page, page.total),
    )
