from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import RowVersion, UTCDateTime, db


class Board(RowVersion, db.Model):
    __tablename__ = "boards"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    category: Mapped[str] = mapped_column(sa.String(100))
    description: Mapped[str] = mapped_column(sa.String(300), default="")
    # Other names patients use for the treatment; search treats them as synonyms.
    aliases: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)
    # The kind of treatment (see boards.toml); None for community boards, which take no
    # experience reports.
    family: Mapped[str | None] = mapped_column(sa.String(16))
    # "What the trials say": our neutral summary of a review or large trial, with its source.
    evidence: Mapped[str | None] = mapped_column(sa.Text)
    evidence_source: Mapped[str | None] = mapped_column(sa.String(300))
    evidence_url: Mapped[str | None] = mapped_column(sa.String(300))

    # Counters and the latest activity are kept by the services that write posts, in the
    # same transaction, so the board list needs no aggregate query.
    thread_count: Mapped[int] = mapped_column(default=0, server_default="0")
    post_count: Mapped[int] = mapped_column(default=0, server_default="0")
    last_post_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A cached pointer, not a foreign key: boards and threads would otherwise reference
    # each other, which makes table creation order circular.
    last_thread_id: Mapped[int | None]

    last_thread = relationship(
        "Thread",
        primaryjoin="foreign(Board.last_thread_id) == Thread.id",
        viewonly=True,
        lazy="raise",
    )

    @property
    def takes_reports(self) -> bool:
        return self.family is not None

    def __repr__(self) -> str:
        return f"<Board {self.slug}>"
