"""Optional notification e-mail: a member's confirmed address, instant mails or a daily
digest, one-click unsubscribe. Requests only queue mail; `flask forum send-mail` sends it."""
