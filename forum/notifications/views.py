from flask import Blueprint

from forum.notifications import models  # noqa: F401  (the tables belong to the app)

bp = Blueprint("notifications", __name__)
