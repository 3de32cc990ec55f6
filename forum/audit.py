"""The security events the forum keeps (sign-ins, refused forms and access), with addresses cut
short so none names one household, deleted after SECURITY_LOG_RETENTION_DAYS."""

import ipaddress
import logging
import re
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import UTCDateTime, db, utcnow

# Bits of an address kept: a /24 network for IPv4, a /48 site for IPv6. Enough to see that
# attempts come from one place, not enough to name a subscriber.
IPV4_PREFIX = 24
IPV6_PREFIX = 48

# Paths whose last segment is a secret token (links in mails): logs keep the route only.
_TOKEN_PATH = re.compile(r"(/email/(?:confirm|unsubscribe)/)[^/?#\s\"]+")
# Anything that may be an IPv4 or IPv6 address in a log line (checked by ipaddress).
_ADDRESS = re.compile(
    r"(?<![\w.:])(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]*:[0-9A-Fa-f:.]+)(?![\w.:/])"
)
# A query string in a request line: a sign-in's code and state, or what someone searched.
_QUERY = re.compile(r"\?[^\s\"]*")


class SecurityEvent(db.Model):
    __tablename__ = "security_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    event: Mapped[str] = mapped_column(sa.String(32))
    status: Mapped[int]
    # The member, or None for a visitor; erased with the account.
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    network: Mapped[str | None] = mapped_column(sa.String(49))  # e.g. "203.0.113.0/24"
    method: Mapped[str] = mapped_column(sa.String(10))
    path: Mapped[str] = mapped_column(sa.String(300))
    reason: Mapped[str] = mapped_column(sa.String(300), default="")


def truncate_address(address: str | None) -> str | None:
    """The network an address belongs to (see IPV4_PREFIX, IPV6_PREFIX), or None."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = IPV4_PREFIX if ip.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def redact_path(path: str) -> str:
    """A path (or a log line) fit for a log: the token of a mail link replaced by "…"."""
    return _TOKEN_PATH.sub(r"\1…", path)


class AddressRedaction(logging.Filter):
    """For the logs of the libraries we run (the development server's access log, the rate
    limiter's breaches): networks instead of addresses, no mail-link tokens, no query strings.
    (gunicorn writes no access log unless told to.)"""

    def filter(self, record: logging.LogRecord) -> bool:
        line = _QUERY.sub("?…", redact_path(record.getMessage()))
        record.msg = _ADDRESS.sub(lambda match: truncate_address(match[0]) or match[0], line)
        record.args = ()
        return True


class DropDebug(logging.Filter):
    """For Authlib's client: its DEBUG lines print the PKCE code verifier."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


def purge_security_events(before: datetime) -> int:
    """Delete the events older than `before`; the caller commits."""
    result = db.session.execute(sa.delete(SecurityEvent).where(SecurityEvent.at < before))
    return result.rowcount or 0
