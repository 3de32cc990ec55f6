from flask import Blueprint, current_app, make_response, render_template, request
from flask_login import current_user

from forum.boards import services
from forum.caching import for_visitors
from forum.forms import page_arg
from forum.reactions.listings import PERIODS, list_threads_most_helpful, parse_period
from forum.reading.pages import reading_marks
from forum.reports import releases
from forum.threads.services import list_threads
from forum.threads.versions import board_page_versions

bp = Blueprint("boards", __name__)


@bp.get("/")
def index():
    def render() -> str:
        home = services.get_home()
        last_threads = [b.last_thread for b in home.treatments if b.last_thread]
        return render_template(
            "boards/index.html",
            home=home,
            **reading_marks(current_user, [*home.latest, *last_threads]),
        )

    # A new release touches its board's row, so the boards' versions cover the headlines;
    # any new post touches its board's row too, and the versions of "Latest activity" are
    # read with the rule that picks its threads.
    return for_visitors(render, services.home_versions)


@bp.get("/b/<slug>")
def detail(slug: str):
    number = page_arg()
    per_page = current_app.config["THREADS_PER_PAGE"]
    # "Most helpful" over a period (?sort=helpful&period=week): rendered afresh, as the
    # versions below describe the page in order of latest activity.
    helpful = request.args.get("sort") == "helpful"
    period = parse_period(request.args.get("period")) if helpful else None

    def render() -> str:
        board = services.get_board_or_404(slug)
        totals = None
        if helpful:
            listing = list_threads_most_helpful(board, number, per_page, period)
            page, totals = listing.page, listing.totals
        else:
            page = list_threads(board, number, per_page)
        headline = releases.current_release(board).headline if board.takes_reports else None
        return render_template(
            "boards/detail.html",
            board=board,
            page=page,
            headline=headline,
            **reading_marks(current_user, page.items),
            period=period,
            periods=PERIODS,
            helpful_totals=totals,
        )

    if helpful:
        return make_response(render())

    # A visitor's versions say 404 for no such board or page before anything is loaded.
    return for_visitors(render, lambda: (per_page, board_page_versions(slug, number, per_page)))
