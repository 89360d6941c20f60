"""Who is asking: a learner (by their token), a maintainer (by their key), or the operator of
the server's command line, who has a shell on it already."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from kb import learners, maintainers
from kb.values import Role


@dataclass(frozen=True)
class Identity:
    role: Role
    id: str | None  # the learner's or maintainer's id; None for the operator
    name: str | None

    @property
    def curates(self) -> bool:
        """Maintainers and the operator see and change everything."""
        return self.role != "learner"


OPERATOR = Identity("operator", None, "the server's command line")


def of_secret(session: Session, secret: str) -> Identity | None:
    """The learner or maintainer a bearer secret belongs to, or None."""
    if secret.startswith(maintainers.KEY_PREFIX):
        maintainer = maintainers.holder(session, secret)
        if maintainer is not None:
            return Identity("maintainer", maintainer.id, maintainer.name)
    # (a learner's random token may begin like a key, rarely)
    learner = learners.holder(session, secret)
    return Identity("learner", learner.id, learner.name) if learner else None
