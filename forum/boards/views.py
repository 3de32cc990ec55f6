from flask import Blueprint, current_app, render_template, request

from forum.boards import services
from forum.threads.services import list_threads

bp = Blueprint("boards", __name__)


@bp.get("/")
def index():
    return render_template("boards/index.html", categories=services.list_boards_by_category())


@bp.get("/b/<slug>")
def detail(slug: str):
    board = services.get_board_or_404(slug)
    page = list_threads(
        board, request.args.get("page", 1, type=int), current_app.config["THREADS_PER_PAGE"]
    )
    return render_template("boards/detail.html", board=board, page=page)
