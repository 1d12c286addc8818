"""Tables of a survey: the survey, its sections and questions (a lower chapter adds its
own sections), the responses with their answers, the counts kept for the evaluation, and
the phone campaign with its callers and calls.

How answers are kept:

- A *named* survey's response row names the member; its answers are kept in ``answers``
  (JSON), one ``SurveyValue`` row per answered value, and the counts (``SurveyCount``)
  are changed in the same transaction, so results are live.
- An *anonymous* survey's response is stored sealed (``votes.sealing.seal_text``, padded
  to one length) beside a ``SurveyAnswered`` row that says only that the member answered;
  a member's unfinished answers are kept sealed too (``SurveyDraft``). When the survey
  closes, the count opens the sealed responses and writes them anew in clear, without a
  member, in the order of new random keys (``surveys.counting``), and only then counts.

Answer values are strings: an option's index for choices and rankings ("0", "1", ...),
"1".."5" for a scale, the number as typed (normalised) for a number; free text goes to
``SurveyValue.text``.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from plenum.clock import utcnow
from plenum.db import UTCDateTime


class QuestionKind(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    SCALE = "scale"
    NUMBER = "number"
    TEXT = "text"
    RANKING = "ranking"


CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.RANKING)


class Channel(StrEnum):
    ONLINE = "online"
    PHONE = "phone"


class Outcome(StrEnum):
    """How a call ended."""

    ANSWERED = "answered"  # reached, and the member answered
    DECLINED = "declined"  # reached, and the member did not want to answer
    NOT_REACHED = "not_reached"  # call again later, at a time
    WRONG_NUMBER = "wrong_number"
    DO_NOT_CALL = "do_not_call"  # the member asked not to be called again


FINAL_OUTCOMES = (Outcome.ANSWERED, Outcome.DECLINED, Outcome.WRONG_NUMBER, Outcome.DO_NOT_CALL)


def _timestamp(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


def _text() -> Column[str]:
    return Column(Text, nullable=False, default="")


class Survey(SQLModel, table=True):
    """A chapter's questionnaire for an audience: the members of the chapter and the
    chapters below it, or the members of one of its bodies, optionally only those who
    joined within the last months."""

    __table_args__ = (UniqueConstraint("created_by", "form_key"),)

    id: int | None = Field(default=None, primary_key=True)
    chapter_id: int = Field(foreign_key="chapter.id", index=True)
    body_id: int | None = Field(default=None, foreign_key="body.id")
    title: str = Field(max_length=300)
    intro: str = Field(sa_column=_text())
    anonymous: bool = Field(default=True)
    joined_within_months: int | None = Field(default=None)
    closes_at: datetime = Field(sa_column=_timestamp())
    # members of the audience see the aggregated results once the survey has closed
    share_results: bool = Field(default=False)
    # raw answers are deleted this many days after the close; the counts stay
    keep_raw_days: int = Field(default=180)
    opened_at: datetime | None = Field(default=None, sa_column=_timestamp(True))
    reminded_at: datetime | None = Field(default=None, sa_column=_timestamp(True))
    counted_at: datetime | None = Field(default=None, sa_column=_timestamp(True))
    raw_deleted_at: datetime | None = Field(default=None, sa_column=_timestamp(True))
    copied_from: int | None = Field(default=None, foreign_key="survey.id", ondelete="SET NULL")
    created_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    form_key: str | None = Field(default=None, max_length=40)  # the same form twice: one survey


class SurveySection(SQLModel, table=True):
    """A section of questions, owned by the survey's chapter or by a chapter below it
    (whose members alone are asked it, after the survey's own sections)."""

    __tablename__ = "survey_section"
    __table_args__ = (UniqueConstraint("survey_id", "form_key"),)

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True, ondelete="CASCADE")
    chapter_id: int = Field(foreign_key="chapter.id")
    position: int = Field(default=0)
    title: str = Field(max_length=300)
    intro: str = Field(sa_column=_text())
    form_key: str | None = Field(default=None, max_length=40)


class SurveyQuestion(SQLModel, table=True):
    """One question. ``options`` is a JSON list of option texts (choices, rankings);
    a condition shows the question only when an earlier single-choice question was
    answered with the option ``condition_value``."""

    __tablename__ = "survey_question"
    __table_args__ = (UniqueConstraint("survey_id", "form_key"),)

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True, ondelete="CASCADE")
    section_id: int = Field(foreign_key="survey_section.id", index=True, ondelete="CASCADE")
    position: int = Field(default=0)
    kind: str = Field(max_length=20)
    text: str = Field(sa_column=_text())
    hint: str = Field(default="", max_length=500)
    required: bool = Field(default=False)
    options: str = Field(sa_column=Column(Text, nullable=False, default="[]"))
    max_choices: int | None = Field(default=None)
    low_label: str = Field(default="", max_length=100)
    high_label: str = Field(default="", max_length=100)
    condition_question_id: int | None = Field(
        default=None, foreign_key="survey_question.id", ondelete="SET NULL"
    )
    condition_value: str = Field(default="", max_length=20)
    form_key: str | None = Field(default=None, max_length=40)

    @property
    def choices(self) -> list[str]:
        """The option texts, in order (their index is the stored answer)."""
        found = json.loads(self.options or "[]")
        return [str(option) for option in found] if isinstance(found, list) else []


class SurveyResponse(SQLModel, table=True):
    """One member's answers. Named: ``member_id`` set, answers in clear (a draft until
    ``submitted_at``). Anonymous: no member, ``sealed`` until the count, then clear."""

    __tablename__ = "survey_response"
    __table_args__ = (UniqueConstraint("survey_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=40, unique=True)  # random: the order of anonymous rows
    survey_id: int = Field(foreign_key="survey.id", index=True, ondelete="CASCADE")
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="CASCADE")
    # the group for breakdowns: the member's county (or chapter below the survey's)
    chapter_id: int | None = Field(default=None, foreign_key="chapter.id", ondelete="SET NULL")
    channel: str = Field(default=Channel.ONLINE, max_length=10)
    # the caller who entered a named phone answer
    entered_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    submitted_at: datetime | None = Field(default=None, sa_column=_timestamp(True))
    answers: str = Field(sa_column=Column(Text, nullable=False, default="{}"))
    sealed: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class SurveyDraft(SQLModel, table=True):
    """An anonymous survey's unfinished answers of one member, sealed."""

    __tablename__ = "survey_draft"
    __table_args__ = (UniqueConstraint("survey_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE")
    sealed: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class SurveyAnswered(SQLModel, table=True):
    """That a member has submitted an anonymous survey: nothing of what they answered."""

    __tablename__ = "survey_answered"
    __table_args__ = (UniqueConstraint("survey_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE")


class SurveyValue(SQLModel, table=True):
    """One answered value of a response in clear (several for a multiple choice, one per
    ranked option with its place in ``number``): what cross-tabs and searches read."""

    __tablename__ = "survey_value"
    __table_args__ = (Index("ix_survey_value_question_response", "question_id", "response_id"),)

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="survey_response.id", index=True, ondelete="CASCADE")
    question_id: int = Field(foreign_key="survey_question.id", ondelete="CASCADE")
    value: str = Field(default="", max_length=40)
    number: float | None = Field(default=None)
    text: str = Field(sa_column=_text())


class SurveyCount(SQLModel, table=True):
    """How many responses gave ``value`` to a question, in a group: ``dimension`` "" is
    everyone, "chapter" a chapter (``grp`` its id), "channel" online or phone, and
    "q<id>" the answer to single-choice question <id> (a cross-tab). ``value`` "" counts
    the responses that answered the question at all; for a ranking, ``value`` "<i>@<n>"
    counts option i on place n. Counts stay when the raw answers are deleted."""

    __tablename__ = "survey_count"
    __table_args__ = (UniqueConstraint("survey_id", "question_id", "value", "dimension", "grp"),)

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True, ondelete="CASCADE")
    question_id: int = Field(foreign_key="survey_question.id", ondelete="CASCADE")
    value: str = Field(default="", max_length=40)
    dimension: str = Field(default="", max_length=20)
    grp: str = Field(default="", max_length=40)
    n: int = Field(default=0)
    total: float = Field(default=0)  # the sum of the numbers given (number questions)


class Campaign(SQLModel, table=True):
    """A phone campaign for a survey: its script and its callers."""

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", unique=True, ondelete="CASCADE")
    script: str = Field(sa_column=_text())  # the Gesprächsleitfaden, Markdown
    claim_minutes: int = Field(default=20)
    # when the call list was made from the audience (once the survey is open)
    listed_at: datetime | None = Field(default=None, sa_column=_timestamp(True))
    created_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class CampaignCaller(SQLModel, table=True):
    """A member given the caller's function for this campaign only."""

    __tablename__ = "campaign_caller"
    __table_args__ = (UniqueConstraint("campaign_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE")


class CallListEntry(SQLModel, table=True):
    """A member on a campaign's call list, made when the campaign and the open survey
    meet: their county, when they may be called next, whether they are done (answered,
    a call that ended for good, or asked not to be called), and which caller holds them
    until when. A caller takes the first free entry in one guarded statement, so two
    callers never hold the same member; a claim that expired is free again."""

    __tablename__ = "call_list"
    __table_args__ = (
        UniqueConstraint("campaign_id", "member_id"),
        Index("ix_call_list_next", "campaign_id", "done_at", "next_call_at"),
        Index("ix_call_list_caller", "campaign_id", "caller_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE")
    county_id: int | None = Field(default=None, foreign_key="chapter.id", ondelete="SET NULL")
    next_call_at: datetime = Field(sa_column=_timestamp())
    done_at: datetime | None = Field(default=None, sa_column=_timestamp(True))
    caller_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    claimed_until: datetime | None = Field(default=None, sa_column=_timestamp(True))


class Call(SQLModel, table=True):
    """One finished call: who called whom, when, and how it ended. For an anonymous
    survey an answered call keeps only that it took place; the answers are elsewhere."""

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    caller_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    county_id: int | None = Field(default=None, foreign_key="chapter.id", ondelete="SET NULL")
    outcome: str = Field(max_length=20)
    call_again_at: datetime | None = Field(default=None, sa_column=_timestamp(True))
    called_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
