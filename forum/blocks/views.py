from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from forum.accounts.services import get_user_by_name_or_404
from forum.blocks import services
from forum.blocks.forms import BlockForm
from forum.extensions import configured_limit, limiter, member_or_address
from forum.links import safe_next

bp = Blueprint("blocks", __name__)


@bp.post("/u/<name>/block")
@login_required
@limiter.limit(configured_limit("RATELIMIT_BLOCKS"), key_func=member_or_address)
def block(name: str):
    """The profile's Block / Unblock button, and Unblock on the settings list."""
    member = get_user_by_name_or_404(name)
    form = BlockForm()
    if not form.validate_on_submit():
        abort(400)
    want = {"y": True, "n": False}.get(form.block.data)
    blocked = services.set_block(current_user, member, want)
    if blocked:
        flash(
            f"You blocked {member.display_name}. They are not told. Their posts are folded "
            "for you, and they cannot mention or quote you.",
            "success",
        )
    else:
        flash(f"You unblocked {member.display_name}.", "success")
    if form.next.data:
        return redirect(safe_next(form.next.data))
    return redirect(url_for("accounts.profile", name=member.display_name))


@bp.get("/settings/blocks")
@login_required
def index():
    """Whom the member blocked, each with Unblock."""
    return render_template(
        "blocks/index.html",
        blocks=services.list_blocks(current_user),
        form=BlockForm(data={"block": "n", "next": url_for("blocks.index")}),
    )
