from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField


class AutoWatchForm(FlaskForm):
    auto_watch = BooleanField("Watch threads I start or reply to")


class MarkAllReadForm(FlaskForm):
    # The newest notification the page showed: one that arrives later stays unread.
    until = HiddenField()
