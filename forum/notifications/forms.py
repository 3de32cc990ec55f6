from wtforms import BooleanField, HiddenField

from forum.forms import ForumForm


class AutoWatchForm(ForumForm):
    auto_watch = BooleanField("Watch threads I start or reply to")
    notify_reactions = BooleanField("Tell me when members find my posts helpful or say “me too”")


class MarkAllReadForm(ForumForm):
    # The newest notification the page showed: one that arrives later stays unread.
    until = HiddenField()
