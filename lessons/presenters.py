"""What a member's screen receives about an attempt: the one place payloads are built.

Keys and explanations are added only when `reveal_for` says the member may see them, so no
answer key can leave the server with an open attempt.
"""

from datetime import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from quizsite.naming import local_moment

from .grading import BLANK_MAX_CHARS
from .models import Answer, Attempt, AttemptItem, Paper, QuestionType
from .models.questions import OPTION_LETTERS


def may_review(attempt: Attempt, *, at: datetime | None = None) -> bool:
    """Whether answers and explanations of a finished attempt may be shown now."""
    if attempt.is_open:
        return False
    paper = attempt.paper
    if paper.review == Paper.Review.NEVER:
        return False
    if paper.review == Paper.Review.AFTER_CLOSE:
        return paper.closes_at is not None and (at or timezone.now()) >= paper.closes_at
    return True


def shown_letters(item: AttemptItem, original: list) -> list:
    """Original option letters -> the letters this member saw (options may be shuffled)."""
    if item.version.type not in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return original
    return sorted(OPTION_LETTERS[item.option_order.index(OPTION_LETTERS.index(letter))] for letter in original)


def item_payload(item: AttemptItem, *, reveal: bool, answer: Answer | None = None) -> dict:
    version = item.version
    payload = {
        "position": item.position,
        "type": version.type,
        "stem": version.stem,
        "options": [
            {"letter": OPTION_LETTERS[shown], "text": version.options[original]}
            for shown, original in enumerate(item.option_order)
        ],
        "blanks": len(version.key) if version.type == QuestionType.FILL_BLANK else 0,
        "points": str(item.points),
        "saved_response": shown_letters(item, item.saved_response) if item.saved_response is not None else None,
        "opened_at": item.opened_at.isoformat() if item.opened_at else None,
        "deadline_at": item.deadline_at.isoformat() if item.deadline_at else None,
        "answered": answer is not None,
        "image_url": reverse("lessons:question_image", args=[version.pk]) if version.image else "",
    }
    if answer is not None:
        payload.update(answer_given(item, answer))
    if answer is not None and reveal:
        # A question's score tells right from wrong, so it is shown with the key, not before.
        payload["score"] = str(answer.score)
        payload["is_correct"] = answer.is_correct
        payload["verdict"] = verdict(answer)
        payload["key"] = shown_letters(item, version.key)
        payload["explanation"] = version.explanation
    return payload


def answer_feedback(item: AttemptItem, answer: Answer) -> dict:
    """Instant feedback after a practice, daily or challenge answer: right or wrong, and why."""
    return {
        "position": item.position,
        "is_correct": answer.is_correct,
        "verdict": verdict(answer),
        "score": str(answer.score),
        "marks_text": marks_text(answer.score, item.points),
        "key": shown_letters(item, item.version.key),
        "explanation": item.version.explanation,
    }


def answer_given(item: AttemptItem, answer: Answer) -> dict:
    """The response a marked answer recorded, in the letters the member saw (None: left blank)."""
    return {"response": shown_letters(item, answer.response) if answer.response is not None else None}


def verdict(answer: Answer) -> str:
    """How a marked answer did: `right` (all the points), `partly_right` (some of them: a paper
    giving partial credit), `wrong`, or `not_answered` (left blank, or its time ran out)."""
    from .services.notebook import is_answered

    if answer.is_correct:
        return "right"
    if not is_answered(answer.response):
        return "not_answered"
    return "partly_right" if answer.score > 0 else "wrong"


def marks_text(earned, total) -> str:
    """ "1 of 2 marks" (得 1/2 分): the marks an answer earned of the question's."""
    from django.utils.translation import ngettext

    earned_text, total_text = _number(earned), _number(total)
    total = Decimal(total)
    count = int(total) if total == int(total) else 2  # a fraction of a mark reads as plural
    return ngettext("%(earned)s of %(total)s mark", "%(earned)s of %(total)s marks", count) % {
        "earned": earned_text,
        "total": total_text,
    }


def _number(value) -> str:
    """2.00 -> "2", 1.50 -> "1.5"."""
    return format(Decimal(value).normalize(), "f")


def _instant(paper: Paper, answer: Answer | None) -> bool:
    """Practice, daily quiz and challenge show each answer's key once it is answered."""
    return answer is not None and paper.mode != Paper.Mode.EXAM


def attempt_payload(attempt: Attempt, *, at: datetime | None = None) -> dict:
    at = at or timezone.now()
    reveal = may_review(attempt, at=at)
    answers = {a.item_id: a for a in Answer.objects.filter(item__attempt=attempt)}
    items = attempt.items.select_related("version").order_by("position")
    if attempt.paper.mode == Paper.Mode.CHALLENGE:
        items = items.filter(opened_at__isnull=False)  # later questions are not shown before their turn
    paper = attempt.paper
    payload = {
        "id": attempt.pk,
        "paper": {"id": paper.pk, "title": paper.display_title, "mode": paper.mode},
        "status": attempt.status,
        "started_at": attempt.started_at.isoformat(),
        "deadline_at": attempt.deadline_at.isoformat() if attempt.deadline_at else None,
        "finished_at": attempt.finished_at.isoformat() if attempt.finished_at else None,
        "server_time": at.isoformat(),
        "score": str(attempt.score) if not attempt.is_open or paper.mode != Paper.Mode.EXAM else None,
        "max_score": str(attempt.max_score),
        "streak": attempt.streak,
        # Bumped by every saved exam answer; a save sends the one its page last saw (see the API).
        "revision": attempt.revision,
        "review_available": reveal,
        "items": [
            item_payload(item, reveal=reveal or _instant(paper, answers.get(item.pk)), answer=answers.get(item.pk))
            for item in items
        ],
    }
    if paper.mode == Paper.Mode.CHALLENGE:
        payload.update(challenge_payload(attempt))
    return payload


def challenge_payload(attempt: Attempt) -> dict:
    """A challenge's personal record: `best_streak`, the most right in a row in the member's
    finished runs of the paper (null before any), and `new_best`, whether this finished run beat
    every run before it (a tie does not, nor does a first run)."""
    from . import selectors

    record = selectors.challenge_record(attempt)
    if record is None:  # still running: the record it is playing against
        return {"best_streak": selectors.challenge_best(attempt.member, attempt.paper), "new_best": False}
    return {"best_streak": record.best, "new_best": record.new_best}


def time_up_note(attempt: Attempt) -> str:
    """For an attempt handed in at its deadline: when time ran out and what became of the answers
    (empty for any other attempt). The result and the ended attempt's page say it."""
    from django.utils.translation import gettext as _

    if attempt.paper.mode == Paper.Mode.CHALLENGE and not attempt.is_open:
        # A challenge has no deadline of its own: its run ends when a question's time runs out,
        # which marked the question unanswered (a member who left saw only "not answered").
        timed_out = (
            attempt.items.filter(answer__isnull=False, answer__response__isnull=True).order_by("-position").first()
        )
        if timed_out is None:
            return ""
        return _("The time for question %(n)d ran out at %(t)s: the run ended there, with it unanswered.") % {
            "n": timed_out.position,
            "t": local_moment(timed_out.deadline_at or attempt.finished_at),
        }
    if attempt.status != Attempt.Status.EXPIRED:
        return ""
    stamp = {"t": local_moment(attempt.finished_at)}
    if attempt.paper.mode == Paper.Mode.EXAM:
        return _("Time ran out at %(t)s: your answers saved by then were handed in and marked.") % stamp
    return (
        _(
            "Time ran out at %(t)s: your answers given by then count; "
            "questions not answered by then count as not answered."
        )
        % stamp
    )


def key_label(question_type: str, key: list) -> str:
    """A key as the reader reads it: true/false in the page's language, a fill-in's accepted answers
    as "a / b" and its blanks split as the live feedback splits them ("；" in Chinese, "; " in
    English), letters as they are."""
    from django.utils.translation import gettext as _
    from django.utils.translation import pgettext

    if question_type == QuestionType.TRUE_FALSE:
        return _("True") if key and key[0] else _("False")
    if question_type == QuestionType.FILL_BLANK:
        separator = pgettext("between the blanks of a fill-in answer", "; ")
        return separator.join(" / ".join(alternatives) for alternatives in key)
    return "".join(key)


def review_message(log, entry) -> str:
    from django.utils.translation import gettext as _

    if not log.counted:
        due = local_moment(entry.due_at)
        if log.is_correct:
            message = _("Right (practice: not due until %(t)s, so no points and the schedule is unchanged).")
        else:
            message = _(
                "Not right. The answer is %(key)s (practice: not due until %(t)s, so the schedule is unchanged)."
            )
        return message % {"t": due, "key": key_label(log.version.type, log.version.key)}
    if log.is_correct:
        if entry.state == entry.State.MASTERED:
            return _("Right. Mastered: it moves to the mastered section.")
        return _("Right. %(n)d in a row; it comes back later.") % {"n": entry.consecutive_correct}
    if _partly_right(log):
        return _("Partly right. The answer is %(key)s.") % {"key": key_label(log.version.type, log.version.key)}
    return _("Not right. The answer is %(key)s.") % {"key": key_label(log.version.type, log.version.key)}


def _partly_right(log) -> bool:
    """Whether a review missed only part of the answer (some right options and no wrong one, or
    some blanks right): in the notebook it is still a miss, told as partly right."""
    from .grading import grade

    version = log.version
    return grade(type=version.type, key=version.key, response=log.response or [], partial=True) > 0


def for_page(payload: dict) -> dict:
    """Add what templates need to a payload: blank inputs' values and the key as text."""
    for item in payload["items"]:
        if item["type"] == QuestionType.FILL_BLANK:
            values = item.get("response") or item.get("saved_response") or []
            item["blank_values"] = list(values) + [""] * (item["blanks"] - len(values))
            item["blank_max_chars"] = BLANK_MAX_CHARS
        if "key" in item:
            item["key_text"] = key_label(item["type"], item["key"])
        if "score" in item:
            item["marks_text"] = marks_text(item["score"], item["points"])
    return payload
