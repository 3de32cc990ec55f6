"""A member's copy of everything we hold about them (GDPR articles 15 and 20)."""

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required

from forum.export import services
from forum.extensions import configured_limit, limiter, member_or_address, utcnow
from forum.forms import EmptyForm

bp = Blueprint("export", __name__, url_prefix="/settings/export")


def _no_store(response):
    # The archive holds everything about the member: no cache, shared or private, keeps it.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("")
@login_required
def index():
    latest = services.latest_export(current_user)
    return render_template(
        "export/index.html",
        form=EmptyForm(),
        latest=latest,
        expires_at=services.expires_at(latest) if latest else None,
        inline_max=current_app.config["EXPORT_INLINE_MAX_POSTS"],
    )


@bp.post("")
@login_required
@limiter.limit(configured_limit("RATELIMIT_EXPORTS"), key_func=member_or_address)
def create():
    # CSRFProtect refuses the POST without the form's token before it gets here.
    export = services.request_export(current_user)
    if export is not None:
        if export.status == "queued":
            flash("We are preparing your export. This page shows when it is ready.", "info")
        return redirect(url_for("export.detail", export_id=export.id))
    archive, name = services.build_export_now(current_user)
    return _no_store(
        send_file(archive, mimetype="application/zip", as_attachment=True, download_name=name)
    )


@bp.get("/<int:export_id>")
@login_required
def detail(export_id: int):
    export = services.get_export_or_404(current_user, export_id)
    return render_template(
        "export/detail.html",
        export=export,
        expires_at=services.expires_at(export),
        form=EmptyForm(),
    )


@bp.get("/<int:export_id>/download")
@login_required
def download(export_id: int):
    download = services.get_download_or_404(current_user, export_id, utcnow())
    response = Response(
        stream_with_context(services.archive_chunks(download)), mimetype="application/zip"
    )
    response.headers.set("Content-Disposition", "attachment", filename=download.name)
    response.content_length = download.size_bytes
    return _no_store(response)
