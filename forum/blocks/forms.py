from wtforms import HiddenField
from wtforms.validators import AnyOf, Optional

from forum.forms import EmptyForm


class BlockForm(EmptyForm):
    """The Block / Unblock button: `block` says what the member asked for ("y" block, "n"
    take it back), so pressing it twice changes nothing the second time; without it the
    button toggles. `next`: where to go back to (the settings list), a path on this site."""

    block = HiddenField(validators=[Optional(), AnyOf(("y", "n"))])
    next = HiddenField()
