"""The admins' page of the periodic work: each job's schedule and latest run, the latest
runs and the latest failures."""

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from forum.auth.gate import second_factor_required
from forum.extensions import utcnow
from forum.jobs import services
from forum.policy.operations import may_see_jobs

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


@bp.get("")
@login_required
@second_factor_required()
def index():
    if not may_see_jobs(current_user):
        abort(403)
    return render_template(
        "jobs/index.html",
        jobs=services.list_jobs(),
        runs=services.list_runs(50),
        failures=services.list_runs(20, failed_only=True),
        now=utcnow(),
    )
