from wtforms import BooleanField, HiddenField

from forum.forms import ForumForm


class AutoWatchForm(ForumForm):
    auto_watch = BooleanField("Watch threads I start or reply to")


class MarkAllReadForm(ForumForm):
    # The newest notification the page showed: one that arrives later stays unread.
    until = HiddenField()
