"""Words and markup for laid-out text: numbered lines as HTML, instructions as sentences."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from babel.dates import format_date
from markupsafe import Markup, escape

from plenum.clock import as_utc, utcnow
from plenum.errors import N_
from plenum.i18n import current_locale, gettext, ngettext
from plenum.motions.diff import Instruction
from plenum.motions.lines import Layout, Segment, Word
from plenum.text.markdown import SAFE_SCHEMES, render
from plenum.times import LOCAL_TIME

_TAGS = {"strong": "strong", "em": "em", "s": "s", "code": "code"}


def _segment_html(segment: Segment) -> str:
    html = str(escape(segment.text))
    for mark in ("code", "s", "em", "strong"):
        if mark in segment.marks:
            html = f"<{_TAGS[mark]}>{html}</{_TAGS[mark]}>"
    if "a" in segment.marks and segment.href.lower().startswith(SAFE_SCHEMES):
        html = f'<a href="{escape(segment.href)}" rel="nofollow noopener">{html}</a>'
    return html


def words_html(words: Sequence[Word]) -> Markup:
    """One line's words as HTML; member text is escaped, marks become tags."""
    return Markup(" ".join("".join(_segment_html(s) for s in word) for word in words))  # nosec B704  # noqa: S704


def numbered_html(layout: Layout) -> Markup:
    """The numbered text as HTML: a div per block, a div per line with its number and
    words (the ``numbered`` macro of motions/_text.html). Rendered once per layout
    object: ``service.version_layout`` hands out the same object for a version."""
    return _numbered(_Same(layout))


@dataclass(frozen=True)
class LineNote:
    """A mark in the margin of a numbered line: an amendment that starts there ("Ä3"),
    or the comments that quote it. ``label`` is shown, ``spoken`` read out after it."""

    label: str
    href: str
    spoken: str
    kind: str = "amendment"  # or "quotes": the class line-note-<kind> gives its look


def with_notes(numbered: Markup, notes: Mapping[int, Sequence[LineNote]]) -> Markup:
    """The numbered text with each line's notes at its end (the cached text is not
    changed: the notes differ from member to member)."""
    html = str(numbered)
    for number, marks in notes.items():
        start = html.find(f'<div class="line" id="line-{number}">')
        end = html.find("</div>", start)
        if start < 0 or end < 0 or not marks:
            continue
        links = "".join(
            f'<a class="line-note line-note-{escape(m.kind)}" href="{escape(m.href)}">'
            f"{escape(m.label)}"
            f'<span class="visually-hidden"> {escape(m.spoken)}</span></a>'
            for m in marks
        )
        head = f'<div class="line noted" id="line-{number}">'
        opened = start + len(head) - len(" noted")
        line = f'{head}{html[opened:end]}<span class="line-notes">{links}</span>'
        html = html[:start] + line + html[end:]
    return Markup(html)  # nosec B704  # noqa: S704  # labels and addresses escaped above


class _Same:
    """A layout as a cache key by identity: hashing all its words would cost about as
    much as rendering them. The cache holds the key and so the layout, so no other
    object can take its address while it is cached."""

    __slots__ = ("layout",)

    def __init__(self, layout: Layout) -> None:
        self.layout = layout

    def __hash__(self) -> int:
        return id(self.layout)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.layout is self.layout


_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


@lru_cache(maxsize=64)
def _numbered(key: _Same) -> Markup:
    out = ['<div class="motion-text">']
    for block in key.layout.blocks:
        role = ""
        if block.kind in _HEADINGS:
            role = f' role="heading" aria-level="{min(int(block.kind[1]) + 1, 6)}"'
        out.append(f'<div class="block block-{escape(block.kind)} depth-{block.depth}"{role}>')
        for index, line in enumerate(block.lines):
            marker = _marker_html(block.marker) if index == 0 else ""
            out.append(
                f'<div class="line" id="line-{line.number}"><span class="line-number">'
                f'{line.number}</span><span class="line-text">{marker}{words_html(line.words)}'
                "</span></div>"
            )
        out.append("</div>")
    out.append("</div>")
    # member text is escaped by words_html, markers and kinds by escape
    return Markup("\n".join(out))  # nosec B704  # noqa: S704


def _marker_html(marker: str) -> str:
    if marker == "-":
        return '<span class="marker" aria-hidden="true">•</span>'
    return f'<span class="marker">{escape(marker)}</span>' if marker else ""


def _lines(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


_INSTRUCTIONS = {
    "insert_after": N_("In line %(line)s after “%(anchor)s” insert: “%(new)s”"),
    "insert_before": N_("In line %(line)s before “%(anchor)s” insert: “%(new)s”"),
    "insert_lines": N_("After line %(line)s insert: “%(new)s”"),
    "delete_lines": N_("Delete line %(line)s."),
    "delete_words": N_("In line %(line)s delete “%(old)s”."),
    "replace_lines": N_("Replace line %(line)s with: “%(new)s”"),
    "replace_words": N_("In line %(line)s replace “%(old)s” with “%(new)s”."),
    "unmark": N_("In line %(line)s remove the emphasis from “%(old)s”."),
    "restyle_words": N_("In line %(line)s format “%(old)s” as “%(new)s”."),
    "insert_blocks": N_("After line %(line)s insert as %(block)s: “%(new)s”"),
    "blocks_before": N_("Before line %(line)s insert as %(block)s: “%(new)s”"),
    "insert_next": N_("After that insert as %(block)s: “%(new)s”"),
    "replace_blocks": N_("Replace line %(line)s with %(block)s: “%(new)s”"),
    "split": N_("Split %(new)s in line %(line)s between “%(anchor)s” and “%(old)s”."),
    "split_as": N_(
        "Split %(new)s in line %(line)s between “%(anchor)s” and “%(old)s”,"
        " the second part as %(block)s."
    ),
    "join": N_("Join the paragraphs in lines %(first)s and %(last)s."),
    "restyle_block": N_("%(old)s in line %(line)s becomes %(new)s."),
}
# The same for changes that span several lines ("%(line)s" is then "20–21").
_RANGE_INSTRUCTIONS = {
    "insert_after": N_("In lines %(line)s after “%(anchor)s” insert: “%(new)s”"),
    "insert_before": N_("In lines %(line)s before “%(anchor)s” insert: “%(new)s”"),
    "delete_lines": N_("Delete lines %(line)s."),
    "delete_words": N_("In lines %(line)s delete “%(old)s”."),
    "replace_lines": N_("Replace lines %(line)s with: “%(new)s”"),
    "replace_words": N_("In lines %(line)s replace “%(old)s” with “%(new)s”."),
    "unmark": N_("In lines %(line)s remove the emphasis from “%(old)s”."),
    "restyle_words": N_("In lines %(line)s format “%(old)s” as “%(new)s”."),
    "replace_blocks": N_("Replace lines %(line)s with %(block)s: “%(new)s”"),
    "split": N_("Split %(new)s in lines %(line)s between “%(anchor)s” and “%(old)s”."),
    "split_as": N_(
        "Split %(new)s in lines %(line)s between “%(anchor)s” and “%(old)s”,"
        " the second part as %(block)s."
    ),
}
# Block codes ("kind|depth|marker type", see diff.Instruction) in instructions.
_BLOCK_NAMES = {
    "p": N_("paragraph"),
    "quote": N_("quotation"),
    "-": N_("list item"),
    "#.": N_("numbered list item"),
    "": N_("paragraph of a list item"),
}
_LEVEL = N_("%(block)s (level %(depth)s)")
_HEADING = N_("heading")


def block_name(code: str) -> str:
    """A block code as a noun: "p|0|" is "Absatz", "li|2|-" "Listenpunkt (Ebene 2)"."""
    kind, depth, marker = [*code.split("|"), "", ""][:3]
    if kind.startswith("h"):
        level = kind[1:]
        return (
            gettext(_LEVEL, block=gettext(_HEADING), depth=level)
            if level != "1"
            else gettext(_HEADING)
        )
    if kind != "li":
        return gettext(_BLOCK_NAMES.get(kind, _BLOCK_NAMES["p"]))
    name = gettext(_BLOCK_NAMES.get(marker, _BLOCK_NAMES["-"]))
    return gettext(_LEVEL, block=name, depth=depth) if depth not in ("", "1") else name


def instruction_text(item: Instruction) -> str:
    """The instruction as a sentence in the member's language."""
    where = _lines(item.first_line, item.last_line)
    values = {
        "line": where,
        "first": item.first_line,
        "last": item.last_line,
        "anchor": item.anchor,
        "old": item.old,
        "new": item.new,
        "block": block_name(item.block) if item.block else "",
    }
    kind = item.kind
    if kind == "split":
        values["new"] = block_name(item.new)
        kind = "split_as" if item.block else "split"
    elif kind == "restyle_block":
        values["old"], values["new"] = block_name(item.old), block_name(item.new)
    table = _RANGE_INSTRUCTIONS if item.first_line != item.last_line else {}
    message = table.get(kind) or _INSTRUCTIONS.get(kind)
    if not message:
        return item.kind
    text = gettext(message, **values)
    return text[:1].upper() + text[1:]


STATUS_LABELS = {
    "draft": N_("Draft"),
    "collecting": N_("Collecting supporters"),
    "submitted": N_("Submitted"),
    "screened": N_("Screened"),
    "inadmissible": N_("Inadmissible"),
    "published": N_("Published"),
    "recommended": N_("Recommendation given"),
    "adopted": N_("Adopted"),
    "adopted_modified": N_("Adopted with changes"),
    "rejected": N_("Rejected"),
    "referred": N_("Referred"),
    "settled": N_("Settled"),
    "withdrawn": N_("Withdrawn"),
}
RECOMMENDATION_LABELS = {
    "adopt": N_("Adopt"),
    "adopt_modified": N_("Adopt in modified form"),
    "reject": N_("Reject"),
    "refer": N_("Refer"),
    "settled": N_("Settled by another motion"),
}
TYPE_LABELS = {
    "motion": N_("Motion"),
    "resolution_draft": N_("Draft resolution"),
    "statute": N_("Statute change"),
    "finance": N_("Financial motion"),
}
SUBMITTER_LABELS = {
    "members": N_("Members of the chapter"),
    "delegates": N_("Delegates of the body"),
    "working_groups": N_("Working groups (named as proposer)"),
    "lower_boards": N_("Boards of lower chapters"),
}
# What a notification says happened: the new status, or for a recommendation, which.
RECOMMENDED_SAID = {
    "adopt": N_("procedural recommendation: adopt"),
    "adopt_modified": N_("procedural recommendation: adopt in modified form"),
    "reject": N_("procedural recommendation: reject"),
    "refer": N_("procedural recommendation: refer"),
    "settled": N_("procedural recommendation: settled by another motion"),
}
STATUS_SAID = {
    "collecting": N_("collecting supporters"),
    "submitted": N_("submitted, now being screened"),
    "screened": N_("screened"),
    "inadmissible": N_("rejected as inadmissible"),
    "published": N_("published"),
    "adopted": N_("adopted"),
    "adopted_modified": N_("adopted with changes"),
    "rejected": N_("rejected"),
    "referred": N_("referred"),
    "settled": N_("settled"),
    "withdrawn": N_("withdrawn"),
}


def said(target: str, recommendation: str = "") -> str:
    """The message id that says what became of a motion or amendment in ``target``."""
    if target == "recommended":
        return RECOMMENDED_SAID.get(recommendation, N_("procedural recommendation given"))
    return STATUS_SAID.get(target, target)


STEP_LABELS = {
    "screen": N_("Mark as screened"),
    "inadmissible": N_("Reject as inadmissible"),
    "publish": N_("Publish"),
    "recommend": N_("Give recommendation"),
    "decide": N_("Record decision"),
    "withdraw": N_("Withdraw"),
}


def label(table: dict[str, str], value: str) -> str:
    message = table.get(value)
    return gettext(message) if message else value


def status_label(value: str) -> str:
    return label(STATUS_LABELS, value)


# Texts Plenum itself stores in notes and outcomes (message ids). Only these are translated
# when shown; anything else in those fields was typed by someone and is shown as it is:
# never through gettext, which would treat it as trusted markup and a format string.
SYSTEM_TEXTS = frozenset(
    {
        N_("Enough supporters"),
        N_("The proposers accepted the modified text."),
        N_("Modified text of the recommendation"),
        N_("Joined as co-proposer"),
        N_("adopted"),
        N_("adopted with changes"),
    }
)


def stored_text(value: str) -> str:
    """A note or outcome as shown: Plenum's own texts translated, members' texts as typed."""
    return gettext(value) if value in SYSTEM_TEXTS else value


def template_globals() -> dict[str, object]:
    """What templates use to show motion data in the member's language."""
    return {
        "status_label": status_label,
        "recommendation_label": lambda v: label(RECOMMENDATION_LABELS, v),
        "type_label": lambda v: label(TYPE_LABELS, v),
        "submitter_label": lambda v: label(SUBMITTER_LABELS, v),
        "step_label": lambda v: label(STEP_LABELS, v),
        "instruction_text": instruction_text,
        "stored_text": stored_text,
        "words_html": words_html,
        "numbered_html": numbered_html,
        "with_notes": with_notes,
    }


def localtime(value: datetime) -> str:
    """A stored time as party time, e.g. "01.12.2026 18:00"."""
    return as_utc(value).astimezone(LOCAL_TIME).strftime("%d.%m.%Y %H:%M")


def isotime(value: datetime) -> str:
    """A stored time for ``<time datetime>``: ISO 8601 in UTC."""
    return as_utc(value).isoformat()


def ago(value: datetime, now: datetime | None = None) -> str:
    """How long ago, as people say it: "gerade eben", "vor 5 Minuten", "vor 3 Stunden",
    "gestern, 18:00"; older: the date and time."""
    moment = as_utc(value)
    seconds = ((now or utcnow()) - moment).total_seconds()
    local = moment.astimezone(LOCAL_TIME)
    today = (now or utcnow()).astimezone(LOCAL_TIME).date()
    if seconds < 60:
        return gettext("just now")
    if seconds < 3600:
        minutes = int(seconds // 60)
        return ngettext("%(num)s minute ago", "%(num)s minutes ago", minutes)
    if local.date() == today:
        hours = int(seconds // 3600)
        return ngettext("%(num)s hour ago", "%(num)s hours ago", hours)
    if (today - local.date()).days == 1:
        return gettext("yesterday, %(time)s", time=local.strftime("%H:%M"))
    return localtime(value)


def longdate(value: date) -> str:
    """ "18. August 2024" in German, "18 August 2024" in English."""
    return format_date(value, format="long", locale=current_locale.get())


def euro(cents: int) -> str:
    euros, rest = divmod(cents, 100)
    text = f"{euros:,}".replace(",", ".")
    return f"{text},{rest:02d} €" if rest else f"{text} €"


def template_filters() -> dict[str, object]:
    return {
        "localtime": localtime,
        "ago": ago,
        "isotime": isotime,
        "longdate": longdate,
        "euro": euro,
        "markdown": render,
    }
