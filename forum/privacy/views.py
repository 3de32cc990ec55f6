from flask import Blueprint

from forum.privacy.models import Consent  # noqa: F401  (registers the table until views use it)

bp = Blueprint("privacy", __name__, url_prefix="/settings")
