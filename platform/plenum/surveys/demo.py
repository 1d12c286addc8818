"""The demo surveys: the NRW state chapter's anonymous member survey, open, with a section
the Köln county chapter added, answers given online, one member's answers saved but not
sent, and a running phone campaign with a few calls made; and a small named survey of the
Köln county chapter that has closed, so its results and exports show. All text is
written for the demo."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session, select

from plenum.clock import utcnow
from plenum.orgs.models import Chapter, Member
from plenum.orgs.service import chapter_by_key
from plenum.surveys import answering, forms, service
from plenum.surveys import campaign as calls
from plenum.surveys.access import SurveyPlace, survey_place
from plenum.surveys.answers import Answers
from plenum.surveys.models import Outcome, Survey, SurveyQuestion, SurveySection
from plenum.times import local_input

TITLE = "Mitgliederbefragung 2026: Wie organisieren wir uns besser?"
INTRO = (
    "Liebe Genossinnen und Genossen, der Landesvorstand möchte wissen, wie ihr euch "
    "beteiligen wollt und was euch dabei hilft. Die Befragung ist anonym und dauert etwa "
    "zehn Minuten. Ihr könnt zwischendurch speichern und später weitermachen."
)
SUMMER = "Kurzumfrage: Wie war unser Sommerfest im Grüngürtel?"

SCRIPT = """## Gesprächsleitfaden

**Begrüßung.** „Hallo, hier ist *(dein Vorname)* von der Partei, Landesverband NRW. Ich rufe
wegen unserer Mitgliederbefragung an. Hast du gerade fünf bis zehn Minuten?“

- **Keine Zeit:** Frag, wann es besser passt, und trage *Nicht erreicht* mit der Uhrzeit ein.
- **Kein Interesse:** Bedank dich freundlich und trage *Möchte nicht antworten* ein.
- **Bitte nicht mehr anrufen:** Sag zu, dass wir das festhalten, und trage es so ein.

**Vor den Fragen.** Sag, dass die Befragung anonym ist: Was das Mitglied antwortet, wird
verschlüsselt gespeichert und erst nach dem Ende ohne Namen ausgewertet. Jede Frage darf
übersprungen werden, außer den Pflichtfragen.

**Die Fragen.** Lies jede Frage so vor, wie sie im Formular steht, mit allen Antworten.
Bei der Rangfolge: Lies alle Punkte vor und frag dann nach dem wichtigsten, dem
zweitwichtigsten und so weiter. Freie Antworten schreibst du sinngemäß mit, ohne Namen.

**Zum Schluss.** Bedank dich. Wer mitmachen will, findet Termine auf der Seite des
Kreisverbands. Erst nach dem Gespräch *Antworten eintragen* drücken.
"""


def _member(login: str, *, session: Session) -> int:
    return session.exec(select(Member.id).where(Member.subject == login)).one() or 0


def load(*, session: Session) -> None:
    """Does nothing when the demo survey exists already."""
    if session.exec(select(Survey).where(Survey.title == TITLE)).first() is not None:
        return
    staff = _member("geschaeftsstelle", session=session)
    _state_survey(staff, session=session)
    _summer_survey(staff, session=session)
    session.commit()


# --- building -----------------------------------------------------------------------------


def _survey(chapter: Chapter, staff: int, days: int, *, session: Session, **fields: str) -> Survey:
    values = {
        "title": TITLE,
        "intro": INTRO,
        "anonymous": "yes",
        "closes_at": local_input(utcnow() + timedelta(days=days)),
        "audience": "chapter",
        "joined_within_months": "",
        "keep_raw_days": "180",
        **fields,
    }
    return service.create_survey(
        chapter, forms.parse_survey(values, ()), actor=staff, session=session
    )


def _section(
    at: SurveyPlace, owner: Chapter, title: str, intro: str, *, session: Session
) -> SurveySection:
    data = forms.parse_section({"title": title, "intro": intro})
    return service.add_section(at, owner, data, session=session)


def _question(
    at: SurveyPlace,
    where: SurveySection,
    kind: str,
    text: str,
    *,
    session: Session,
    options: tuple[str, ...] = (),
    required: bool = False,
    condition: str = "",
    **fields: str,
) -> SurveyQuestion:
    values = {
        "kind": kind,
        "text": text,
        "options": "\n".join(options),
        "condition": condition,
        **({"required": "on"} if required else {}),
        **fields,
    }
    data = forms.parse_question(values, (condition,) if condition else ())
    return service.add_question(at, where, data, session=session)


def _answer(
    at: SurveyPlace, login: str, given: dict[int, Any], *, session: Session, send: bool = True
) -> None:
    """Answer section by section as a member does online, then send (unless not ``send``)."""
    member = _member(login, session=session)
    answers: Answers = {str(ident): value for ident, value in given.items()}
    asked = answering.questionnaire(at, member, session=session)
    for section in asked.sections:
        mine = {str(q.id) for q in asked.of(section)}
        here = {key: value for key, value in answers.items() if key in mine}
        if not here:
            continue  # not reached yet, or nothing to say here
        answering.save_section(at, member, section, here, session=session)
    if send:
        answering.submit(at, member, session=session)


# --- the state chapter's anonymous survey --------------------------------------------------


def _state_survey(staff: int, *, session: Session) -> None:
    state = chapter_by_key("lv-nrw", session=session)
    county = chapter_by_key("kv-koeln", session=session)
    survey = _survey(state, staff, 12, session=session)
    at = survey_place(survey.id or 0, session=session)
    first = _section(
        at,
        state,
        "Deine Beteiligung",
        "Wie bist du heute dabei, und wie möchtest du dabei sein?",
        session=session,
    )
    often = _question(
        at,
        first,
        "single",
        "Wie oft nimmst du an Treffen deiner Partei vor Ort teil?",
        options=("Mindestens einmal im Monat", "Ein paar Mal im Jahr", "Seltener", "Noch nie"),
        required=True,
        session=session,
    )
    why = _question(
        at,
        first,
        "text",
        "Was hat dich bisher davon abgehalten, zu einem Treffen zu kommen?",
        hint="Zum Beispiel die Uhrzeit, der Ort oder fehlende Kinderbetreuung.",
        condition=f"{often.id}:3",
        session=session,
    )
    hours = _question(
        at,
        first,
        "number",
        "Wie viele Stunden im Monat kannst du dir für die Parteiarbeit vorstellen?",
        hint="Eine grobe Schätzung genügt.",
        session=session,
    )
    ways = _question(
        at,
        first,
        "multiple",
        "Wie möchtest du dich am liebsten einbringen?",
        options=(
            "An Infoständen und Haustüren",
            "In einer Arbeitsgemeinschaft zu einem Thema",
            "Online, von zu Hause aus",
            "Bei Veranstaltungen und Festen",
            "In Vorständen und Gremien",
        ),
        max_choices="3",
        hint="Höchstens drei.",
        session=session,
    )
    second = _section(
        at,
        state,
        "Informationen und Schwerpunkte",
        "Was der Landesverband dir bietet, und was er als Nächstes angehen soll.",
        session=session,
    )
    informed = _question(
        at,
        second,
        "scale",
        "Wie gut fühlst du dich über die Arbeit des Landesverbands informiert?",
        low_label="gar nicht",
        high_label="sehr gut",
        required=True,
        session=session,
    )
    first_things = _question(
        at,
        second,
        "ranking",
        "Was soll der Landesverband 2026 zuerst angehen? Bring die Punkte in deine Reihenfolge.",
        options=(
            "Neue Mitglieder begleiten",
            "Bildungsangebote ausbauen",
            "Kampagnen vor Ort stärken",
            "Digitale Beteiligung verbessern",
        ),
        session=session,
    )
    remarks = _question(
        at,
        second,
        "text",
        "Was möchtest du dem Landesvorstand sonst noch mitgeben?",
        session=session,
    )
    local = _section(  # the county's own questions, asked of its members only
        at,
        county,
        "Fragen des Kreisverbands Köln",
        "Diese Fragen stellt der Kreisvorstand Köln seinen Mitgliedern.",
        session=session,
    )
    office = _question(
        at,
        local,
        "single",
        "Soll der Kreisverband ein zweites Büro im Rechtsrheinischen eröffnen, etwa in Kalk?",
        options=("Ja", "Nein", "Weiß nicht"),
        session=session,
    )
    weekday = _question(
        at,
        local,
        "single",
        "An welchem Wochentag passen dir Kreismitgliederversammlungen am besten?",
        options=("Montag", "Dienstag", "Mittwoch", "Donnerstag"),
        session=session,
    )
    service.open_survey(at, session=session)
    koeln: dict[int | None, Any] = {office.id: "0", weekday.id: "2"}
    for login, given in (
        ("mitglied", {often.id: "1", hours.id: "4", ways.id: ["1", "2"], informed.id: "3",
                      first_things.id: ["3", "0", "2", "1"], **koeln}),
        ("vorstand", {often.id: "0", hours.id: "20", ways.id: ["0", "4"], informed.id: "5",
                      first_things.id: ["2", "0"], office.id: "0", weekday.id: "1"}),
        ("delegiert", {often.id: "0", hours.id: "12", ways.id: ["0", "3"], informed.id: "4",
                       first_things.id: ["0", "2", "1", "3"],
                       remarks.id: "Mehr Schulungen für neue Delegierte, bitte auch online."}),
        ("geschaeftsstelle", {often.id: "0", hours.id: "10", ways.id: ["4"], informed.id: "4",
                              first_things.id: ["0", "1", "2", "3"]}),
        ("vorsitz", {often.id: "0", hours.id: "25", ways.id: ["0", "1", "4"], informed.id: "5",
                     first_things.id: ["2", "0", "3", "1"], office.id: "0", weekday.id: "2"}),
        ("lag", {often.id: "2", hours.id: "6", ways.id: ["1", "2"], informed.id: "2",
                 first_things.id: ["3", "1"],
                 remarks.id: "Videokonferenzen für alle Kreisverbände wären ein Anfang."}),
        ("mitglied2", {often.id: "3", why.id: "Die Treffen sind abends, wenn ich mein Kind "
                       "ins Bett bringe. Mit Kinderbetreuung käme ich gern.",
                       hours.id: "3", ways.id: ["2"], informed.id: "2",
                       first_things.id: ["0", "3", "1", "2"], office.id: "2"}),
        ("mitglied3", {often.id: "1", hours.id: "8", ways.id: ["0", "3"], informed.id: "3",
                       first_things.id: ["2", "1", "0", "3"], **koeln}),
        ("mitglied5", {often.id: "3", why.id: "Ich bin erst seit Februar dabei und wusste "
                       "nicht, wo die Treffen sind.", hours.id: "5", ways.id: ["1", "3"],
                       informed.id: "1", first_things.id: ["0", "1"], office.id: "0"}),
        ("mitglied6", {often.id: "2", hours.id: "2,5", ways.id: ["2", "3"], informed.id: "3",
                       first_things.id: ["1", "3", "0", "2"], office.id: "1", weekday.id: "3"}),
    ):  # fmt: skip
        _answer(at, login, {ident or 0: value for ident, value in given.items()}, session=session)
    # begun but not sent: the answers to the first section are kept for later
    _answer(at, "ersatz", {often.id or 0: "2", hours.id or 0: "3"}, session=session, send=False)
    _campaign(at, staff, (often, hours, informed), session=session)


def _campaign(
    at: SurveyPlace, staff: int, asked: tuple[SurveyQuestion, ...], *, session: Session
) -> None:
    """The phone campaign: one caller, a few calls made, with different outcomes."""
    campaign = calls.create_campaign(at, SCRIPT, actor=staff, session=session)
    caller = _member("telefon", session=session)
    calls.add_caller(at, campaign, caller, session=session)
    often, hours, informed = asked
    outcomes = (Outcome.ANSWERED, Outcome.NOT_REACHED, Outcome.DECLINED, Outcome.WRONG_NUMBER)
    for outcome in outcomes:
        member = calls.claim_next(at, campaign, caller, session=session)
        if member is None:
            break
        member_id = member.id or 0
        if outcome == Outcome.ANSWERED:  # the member answered the caller's questions
            given = {str(often.id): "2", str(hours.id): "2", str(informed.id): "3"}
            calls.answer_call(at, campaign, caller, member_id, given, session=session)
            continue
        again = utcnow() + timedelta(days=1) if outcome == Outcome.NOT_REACHED else None
        calls.finish_call(
            at, campaign, caller, member_id, outcome, session=session, call_again_at=again
        )


# --- the county's named survey, closed -----------------------------------------------------


def _summer_survey(staff: int, *, session: Session) -> None:
    county = chapter_by_key("kv-koeln", session=session)
    chair = _member("vorsitz", session=session)
    survey = _survey(
        county,
        chair or staff,
        7,
        session=session,
        title=SUMMER,
        intro="Der Kreisvorstand möchte wissen, wie euch das Sommerfest gefallen hat. "
        "Die Umfrage ist namentlich: Wir melden uns, wenn ihr mithelfen wollt.",
        anonymous="no",
        share_results="on",
        keep_raw_days="90",
    )
    at = survey_place(survey.id or 0, session=session)
    only = _section(at, county, "Das Sommerfest", "", session=session)
    there = _question(
        at,
        only,
        "single",
        "Warst du beim Sommerfest im Grüngürtel?",
        options=("Ja, den ganzen Nachmittag", "Ja, für eine Weile", "Nein"),
        required=True,
        session=session,
    )
    liked = _question(
        at,
        only,
        "scale",
        "Wie hat dir das Fest gefallen?",
        low_label="gar nicht",
        high_label="sehr gut",
        session=session,
    )
    wishes = _question(
        at,
        only,
        "multiple",
        "Was wünschst du dir für das nächste Fest?",
        options=(
            "Mehr Programm für Kinder",
            "Eine Diskussionsrunde",
            "Musik aus dem Viertel",
            "Früher anfangen",
        ),
        session=session,
    )
    helping = _question(
        at,
        only,
        "number",
        "Wie viele Stunden würdest du beim nächsten Fest mit anpacken?",
        session=session,
    )
    note = _question(
        at, only, "text", "Was sollen wir beim nächsten Mal anders machen?", session=session
    )
    service.open_survey(at, session=session)
    for login, given in (
        ("mitglied", {there.id: "0", liked.id: "5", wishes.id: ["0", "2"], helping.id: "3",
                      note.id: "Mehr Schatten und mehr Bänke für Ältere."}),
        ("moderation", {there.id: "0", liked.id: "4", wishes.id: ["1"], helping.id: "4"}),
        ("mitglied2", {there.id: "1", liked.id: "4", wishes.id: ["0"], helping.id: "2"}),
        ("mitglied3", {there.id: "0", liked.id: "3", wishes.id: ["2", "3"], helping.id: "0"}),
        ("mitglied4", {there.id: "2", wishes.id: ["3"],
                       note.id: "Bitte nicht am selben Tag wie das Straßenfest in Ehrenfeld."}),
        ("vorstand", {there.id: "0", liked.id: "5", wishes.id: ["1", "2"], helping.id: "6"}),
        ("mitglied5", {there.id: "1", liked.id: "4", wishes.id: ["0", "1"], helping.id: "2"}),
        ("mitglied6", {there.id: "2", wishes.id: ["3"]}),
        ("mitglied7", {there.id: "1", liked.id: "2", wishes.id: ["2"],
                       note.id: "Die Musik war zu laut für Gespräche."}),
        ("vorsitz", {there.id: "0", liked.id: "4", wishes.id: ["1"], helping.id: "8"}),
    ):  # fmt: skip
        _answer(at, login, {ident or 0: value for ident, value in given.items()}, session=session)
    moment = utcnow()  # then it all moves into the past: the survey closed four days ago
    survey.created_at = moment - timedelta(days=25)
    survey.opened_at = moment - timedelta(days=24)
    survey.reminded_at = moment - timedelta(days=7)
    survey.closes_at = moment - timedelta(days=4)
    session.add(survey)
    session.flush()
