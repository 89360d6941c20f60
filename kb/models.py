"""The knowledge base's schema: SQLAlchemy 2.0 typed models, the one definition Alembic migrates.

Every fact that came from a guide keeps its provenance: a mention belongs to an edition (and a
section of it), a prerequisite keeps the sentences that state it, edition by edition.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from kb.values import (
    ACCESS,
    EDITION_FORMATS,
    EVENT_ORIGINS,
    EXECUTORS,
    JOB_STATUSES,
    KINDS,
    LEARNER_STATES,
    PREREQUISITE_ORIGINS,
    TOPIC_ORIGINS,
    one_of,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Source(Base):
    """One post (a guide), across all its editions."""

    __tablename__ = "source"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    author: Mapped[str | None] = mapped_column(String(200))

    editions: Mapped[list[Edition]] = relationship(
        back_populates="source", order_by="Edition.id", cascade="all, delete-orphan"
    )


class Edition(Base):
    """One imported document of a source; its decoded text is kept so the source can be rebuilt."""

    __tablename__ = "edition"
    __table_args__ = (CheckConstraint(one_of("format", EDITION_FORMATS), name="format"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id", ondelete="CASCADE"), index=True)
    format: Mapped[str] = mapped_column(String(20))
    origin: Mapped[str] = mapped_column(String(2000))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str | None] = mapped_column(String(500))
    author: Mapped[str | None] = mapped_column(String(200))
    published: Mapped[str | None] = mapped_column(String(40))
    content: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    source: Mapped[Source] = relationship(back_populates="editions")
    sections: Mapped[list[Section]] = relationship(
        back_populates="edition", order_by="Section.position", cascade="all, delete-orphan"
    )


class Section(Base):
    """A heading of an edition, in order; linked to the topic it is about, when there is one."""

    __tablename__ = "section"
    __table_args__ = (UniqueConstraint("edition_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topic.id", ondelete="SET NULL"))

    edition: Mapped[Edition] = relationship(back_populates="sections")


class Topic(Base):
    """A concept or skill a guide teaches (Python, linear algebra, CNN, MNIST...): from the base
    vocabulary, or discovered in a guide, with how sure the discovery is and why."""

    __tablename__ = "topic"
    __table_args__ = (CheckConstraint(one_of("origin", TOPIC_ORIGINS), name="origin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    origin: Mapped[str] = mapped_column(String(12), default="vocabulary")
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    reason: Mapped[str | None] = mapped_column(String(500))  # where a guide introduces it

    aliases: Mapped[list[TopicAlias]] = relationship(
        back_populates="topic", order_by="TopicAlias.alias", cascade="all, delete-orphan"
    )


class TopicAlias(Base):
    """Another name of a topic ("CNN", "convolutional neural networks", the token "id98")."""

    __tablename__ = "topic_alias"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(String(200), unique=True)

    topic: Mapped[Topic] = relationship(back_populates="aliases")


class Prerequisite(Base):
    """`topic` requires `requires`; the graph of these edges is kept acyclic."""

    __tablename__ = "prerequisite"
    __table_args__ = (
        CheckConstraint(one_of("origin", PREREQUISITE_ORIGINS), name="origin"),
        UniqueConstraint("topic_id", "requires_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id", ondelete="CASCADE"), index=True)
    requires_id: Mapped[int] = mapped_column(ForeignKey("topic.id", ondelete="CASCADE"), index=True)
    origin: Mapped[str] = mapped_column(String(20))
    rule: Mapped[str | None] = mapped_column(String(30))  # the rule that stated it, if known
    reason: Mapped[str] = mapped_column(String(500))
    confidence: Mapped[float] = mapped_column(Float)

    topic: Mapped[Topic] = relationship(foreign_keys=[topic_id])
    requires: Mapped[Topic] = relationship(foreign_keys=[requires_id])
    evidence: Mapped[list[PrerequisiteEvidence]] = relationship(
        back_populates="prerequisite",
        order_by="(PrerequisiteEvidence.edition_id, PrerequisiteEvidence.sentence)",
        cascade="all, delete-orphan",
    )


class PrerequisiteEvidence(Base):
    """A sentence of an edition that states (or, by its order, suggests) a prerequisite."""

    __tablename__ = "prerequisite_evidence"
    __table_args__ = (UniqueConstraint("prerequisite_id", "edition_id", "sentence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prerequisite_id: Mapped[int] = mapped_column(
        ForeignKey("prerequisite.id", ondelete="CASCADE"), index=True
    )
    edition_id: Mapped[int] = mapped_column(
        ForeignKey("edition.id", ondelete="CASCADE"), index=True
    )
    sentence: Mapped[str] = mapped_column(String(2000))

    prerequisite: Mapped[Prerequisite] = relationship(back_populates="evidence")


class Resource(Base):
    """A learning resource, once per canonical URL, with its best title and kind."""

    __tablename__ = "resource"
    __table_args__ = (
        CheckConstraint(one_of("kind", KINDS), name="kind"),
        CheckConstraint(one_of("access", ACCESS), name="access"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    url_key: Mapped[str] = mapped_column(String(2000), unique=True)
    url: Mapped[str] = mapped_column(String(2000))
    title: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(30))
    kind_rule: Mapped[str] = mapped_column(String(200))
    kind_confidence: Mapped[float] = mapped_column(Float)
    access: Mapped[str] = mapped_column(String(10))
    url_case_uncertain: Mapped[bool] = mapped_column(Boolean, default=False)

    mentions: Mapped[list[Mention]] = relationship(
        back_populates="resource", order_by="(Mention.edition_id, Mention.position)"
    )
    topics: Mapped[list[Topic]] = relationship(
        secondary="resource_topic", order_by="Topic.slug", viewonly=True
    )
    taught: Mapped[list[ResourceTopic]] = relationship(viewonly=True)


class Mention(Base):
    """Where an edition mentions a resource: by a link, or by name in an edition without links."""

    __tablename__ = "mention"
    __table_args__ = (UniqueConstraint("edition_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resource.id", ondelete="CASCADE"), index=True
    )
    edition_id: Mapped[int] = mapped_column(
        ForeignKey("edition.id", ondelete="CASCADE"), index=True
    )
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer)
    anchor: Mapped[str] = mapped_column(String(1000))
    context: Mapped[str] = mapped_column(String(4000))
    # The link as this edition writes it (repaired); None where the edition names it without a link.
    url: Mapped[str | None] = mapped_column(String(2000))
    url_case_uncertain: Mapped[bool] = mapped_column(Boolean, default=False)
    # True where the edition does not mark where the link text ends (a text dump), so the
    # anchor is a guess and loses to exact anchors when the resource's title is chosen.
    anchor_inferred: Mapped[bool] = mapped_column(Boolean, default=False)
    # What this mention says its resource teaches: [{"topic": slug, "relevance", "rule"}].
    topics: Mapped[list | None] = mapped_column(JSON)

    resource: Mapped[Resource] = relationship(back_populates="mentions")
    edition: Mapped[Edition] = relationship()
    section: Mapped[Section | None] = relationship()


class ResourceTopic(Base):
    """Which topics a resource teaches, how surely (`relevance`, 0 to 1), and the evidence's
    rule (the topic named in its anchor, its URL, the sentence recommending it...)."""

    __tablename__ = "resource_topic"

    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    relevance: Mapped[float] = mapped_column(Float, default=1.0)
    rule: Mapped[str] = mapped_column(String(40), default="anchor")

    topic: Mapped[Topic] = relationship(viewonly=True)


class Example(Base):
    """A sandbox example as the knowledge base knows it: the guide's resource it reproduces and
    the topics it practises, so that a path step can offer to run it. `kb import` keeps these
    rows in step with the sandbox's catalog."""

    __tablename__ = "example"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    guide_url: Mapped[str] = mapped_column(String(2000))
    resource_id: Mapped[int | None] = mapped_column(
        ForeignKey("resource.id", ondelete="SET NULL"), index=True
    )

    topics: Mapped[list[Topic]] = relationship(secondary="example_topic", order_by="Topic.slug")


class ExampleTopic(Base):
    """Which topics an example practises."""

    __tablename__ = "example_topic"

    example: Mapped[str] = mapped_column(
        ForeignKey("example.name", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class KnowledgeBase(Base):
    """One row: the version of the imported content, which caches of the graph are keyed by."""

    __tablename__ = "knowledge_base"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Learner(Base):
    """Someone following paths. Only a hash of their secret token is stored."""

    __tablename__ = "learner"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, not guessable
    name: Mapped[str | None] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    goals: Mapped[str] = mapped_column(String(2000), default="")  # topic slugs, comma-separated
    prefer: Mapped[str] = mapped_column(String(500), default="")  # resource kinds, comma-separated
    max_hours: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    topics: Mapped[list[LearnerTopic]] = relationship(
        cascade="all, delete-orphan", order_by="LearnerTopic.topic_id"
    )
    resources: Mapped[list[LearnerResource]] = relationship(
        cascade="all, delete-orphan", order_by="LearnerResource.resource_id"
    )


class LearnerTopic(Base):
    __tablename__ = "learner_topic"
    __table_args__ = (CheckConstraint(one_of("state", LEARNER_STATES), name="state"),)

    learner_id: Mapped[str] = mapped_column(
        ForeignKey("learner.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    topic: Mapped[Topic] = relationship(lazy="joined")


class LearnerResource(Base):
    __tablename__ = "learner_resource"
    __table_args__ = (CheckConstraint(one_of("state", LEARNER_STATES), name="state"),)

    learner_id: Mapped[str] = mapped_column(
        ForeignKey("learner.id", ondelete="CASCADE"), primary_key=True
    )
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    resource: Mapped[Resource] = relationship(lazy="joined")


class Maintainer(Base):
    """Someone who curates the knowledge base and may run their own scripts in the sandbox.
    Only a hash of their key is stored; a revoked key opens nothing."""

    __tablename__ = "maintainer"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Job(Base):
    """One run of a sandbox example (or of a maintainer's script) and what it reported.

    `attempt` counts the claims of the job; whoever runs it writes only while the row still has
    its attempt and is running, so a run that was given up on cannot overwrite its successor.
    `device`, `summary` and `metrics` come from the catalog's runner only; what a custom script
    reports of itself is kept apart, in `claims`. A job started through the API has an owner, a
    learner or a maintainer; one started on the server's command line has none.
    """

    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint(one_of("status", JOB_STATUSES), name="status"),
        CheckConstraint(one_of("executor", EXECUTORS), name="executor"),
        CheckConstraint("(example IS NULL) <> (script IS NULL)", name="example_or_script"),
        CheckConstraint("learner_id IS NULL OR maintainer_id IS NULL", name="one_owner"),
        Index("ix_job_status_created_at", "status", "created_at"),
        Index("ix_job_learner_id_created_at", "learner_id", "created_at"),
        Index("ix_job_client_address_created_at", "client_address", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    example: Mapped[str | None] = mapped_column(String(100))
    script: Mapped[str | None] = mapped_column(Text)  # a maintainer's own script, run untrusted
    params: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12))
    executor: Mapped[str] = mapped_column(String(10))
    timeout_seconds: Mapped[float] = mapped_column(Float)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    worker: Mapped[str | None] = mapped_column(String(200))
    device: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[dict | None] = mapped_column(JSON)  # the model's layers, as the job reported
    metrics: Mapped[dict | None] = mapped_column(JSON)  # the final test metrics
    claims: Mapped[dict | None] = mapped_column(JSON)  # device, summary, metrics a script reported
    log: Mapped[str | None] = mapped_column(Text)  # the tail of what it printed besides events
    error: Mapped[str | None] = mapped_column(Text)
    learner_id: Mapped[str | None] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"))
    maintainer_id: Mapped[str | None] = mapped_column(
        ForeignKey("maintainer.id", ondelete="SET NULL"), index=True
    )
    gpu_share: Mapped[float] = mapped_column(Float, default=0.0)  # of a GPU it asks its executor
    client_address: Mapped[str | None] = mapped_column(String(64))  # whence the API was asked
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    events: Mapped[list[JobEvent]] = relationship(
        cascade="all, delete-orphan", order_by="JobEvent.seq", passive_deletes=True
    )


class JobEvent(Base):
    """One line a job reported (started, summary, epoch, result, error) or a note about it."""

    __tablename__ = "job_event"
    __table_args__ = (
        UniqueConstraint("job_id", "seq"),
        CheckConstraint(one_of("origin", EVENT_ORIGINS), name="origin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    attempt: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    origin: Mapped[str] = mapped_column(String(10))
    data: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
