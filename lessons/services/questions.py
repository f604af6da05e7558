"""Question banks and questions. Editing an answered question makes a new version."""

import json
import re
import uuid
from datetime import datetime, timedelta
from io import BytesIO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import UnidentifiedImageError

from orgs.models import Unit, User
from quizsite.pictures import PictureTooLarge, open_picture
from quizsite.spreadsheets import too_large

from ..models import AttemptItem, Question, QuestionBank, QuestionVersion, Tag
from ..validation import QuestionContent, QuestionInvalid, check_question, fingerprint


class BankError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def bank_create(
    *,
    slug: str,
    name: str,
    unit: Unit,
    by: User | None = None,
    description: str = "",
    name_en: str = "",
    shared_below: bool = True,
    open_for_practice: bool = False,
) -> QuestionBank:
    if QuestionBank.objects.filter(slug=slug).exists():
        raise BankError("bank_slug_taken", f"A question bank with code {slug!r} exists.")
    return QuestionBank.objects.create(
        slug=slug,
        name=name or slug,
        name_en=name_en,
        unit=unit,
        created_by=by,
        description=description,
        shared_below=shared_below,
        open_for_practice=open_for_practice,
    )


def bank_sharing_set(*, bank: QuestionBank, shared_below: bool) -> QuestionBank:
    """Share the bank with the organisers of the units below, or keep it confidential to its own
    unit's. Papers they already built keep the questions they hold."""
    QuestionBank.objects.filter(pk=bank.pk).update(shared_below=shared_below)
    bank.shared_below = shared_below
    return bank


def bank_practice_set(*, bank: QuestionBank, open_for_practice: bool) -> QuestionBank:
    """Offer the bank to members' practice by topic (which shows every key at once), or stop.
    Questions an exam or online contest still to close holds are never drawn there either way."""
    QuestionBank.objects.filter(pk=bank.pk).update(open_for_practice=open_for_practice)
    bank.open_for_practice = open_for_practice
    return bank


def tags_for(names: list[str]) -> list[Tag]:
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=n) for n in names if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    return [existing[n] for n in names]


IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}
IMAGE_DIRECTORY = "questions/images/"


def question_image_store(*, data: bytes) -> str:
    """Store an uploaded illustration under a fresh name and return that name.

    The bytes are sniffed, never trusted by their file name: anything Pillow cannot read as PNG,
    JPEG, GIF or WebP, or larger than QUESTION_IMAGE_MAX_BYTES, raises QuestionInvalid.
    """
    if message := too_large(len(data), settings.QUESTION_IMAGE_MAX_BYTES):
        raise QuestionInvalid({"image": message})
    try:
        with open_picture(BytesIO(data)) as image:
            image_format = image.format
            image.verify()
    except PictureTooLarge as refused:
        raise QuestionInvalid({"image": str(refused)}) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        image_format = None
    if image_format not in IMAGE_FORMATS:
        raise QuestionInvalid({"image": _("The file is not a picture (PNG, JPEG, GIF or WebP).")})
    name = f"{IMAGE_DIRECTORY}{uuid.uuid4().hex}.{IMAGE_FORMATS[image_format]}"
    return default_storage.save(name, ContentFile(data))


def question_images_sweep(*, older_than: timedelta = timedelta(days=1), at: datetime | None = None) -> int:
    """Delete illustrations no question version uses that were stored more than `older_than` ago:
    pictures uploaded for a preview whose question was never saved. A day's grace leaves a form
    left open overnight its picture. Returns how many files were deleted."""
    at = at or timezone.now()
    try:
        _folders, files = default_storage.listdir(IMAGE_DIRECTORY)
    except FileNotFoundError:
        return 0
    stored = {IMAGE_DIRECTORY + name for name in files}
    used = set(QuestionVersion.objects.filter(image__in=stored).values_list("image", flat=True))
    deleted = 0
    for name in sorted(stored - used):
        if default_storage.get_modified_time(name) < at - older_than:
            default_storage.delete(name)
            deleted += 1
    return deleted


def is_question_image(name: str) -> bool:
    """Whether `name` is one of our stored illustrations (a name coming back from a form)."""
    return bool(re.fullmatch(r"questions/images/[0-9a-f]{32}\.(png|jpg|gif|webp)", name)) and default_storage.exists(
        name
    )


def _version(question: Question, content: QuestionContent, *, number: int, by: User | None) -> QuestionVersion:
    return QuestionVersion(
        question=question,
        number=number,
        type=content.type,
        stem=content.stem,
        options=content.options,
        key=content.key,
        explanation=content.explanation,
        source=content.source,
        difficulty=content.difficulty,
        image=content.image,
        fingerprint=fingerprint(content),
        created_by=by,
    )


@transaction.atomic
def question_create(
    *, bank: QuestionBank, content: QuestionContent, by: User | None = None, status: str = Question.Status.PUBLISHED
) -> Question:
    """Validate `content` (raising QuestionInvalid) and store it as version 1."""
    content = check_question(content)
    question = Question.objects.create(bank=bank, status=status)
    version = _version(question, content, number=1, by=by)
    version.save()
    question.current = version
    question.save(update_fields=["current"])
    question.tags.set(tags_for(content.tags))
    return question


def _same_content(version: QuestionVersion, content: QuestionContent) -> bool:
    """Whether a checked `content` says what `version` says, field for field."""
    fields = ("type", "stem", "options", "key", "explanation", "source", "difficulty", "image")
    return all(getattr(version, name) == getattr(content, name) for name in fields)


@transaction.atomic
def question_edit(*, question: Question, content: QuestionContent, by: User | None = None) -> Question:
    """Change a question. If any attempt used the current version and its content changes, keep
    it and add a new one; knowledge points are the question's, not a version's."""
    content = check_question(content, options_before=question.current.options if question.current else None)
    question = Question.objects.select_for_update().get(pk=question.pk)
    current = question.current
    # Nothing a version holds changed (only the status or knowledge points): no new version.
    unchanged = _same_content(current, content)
    if not unchanged and AttemptItem.objects.filter(version=current).exists():
        version = _version(question, content, number=current.number + 1, by=by)
        version.save()
        question.current = version
        question.save(update_fields=["current"])
    elif not unchanged:
        fresh = _version(question, content, number=current.number, by=by)
        fresh.pk = current.pk
        fresh.created_at = current.created_at
        fresh.save()
    question.tags.set(tags_for(content.tags))
    return question


def question_set_status(*, question: Question, status: str) -> Question:
    question.status = status
    question.save(update_fields=["status"])
    return question


def questions_publish(*, bank: QuestionBank, question_ids: list[int] | None = None) -> int:
    """Publish the bank's drafts (those of `question_ids`, or every one): from now on random rules
    and online contests may draw them. Returns how many were published."""
    drafts = Question.objects.filter(bank=bank, status=Question.Status.DRAFT, current__isnull=False)
    if question_ids is not None:
        drafts = drafts.filter(pk__in=question_ids)
    return drafts.update(status=Question.Status.PUBLISHED)


def _insert_rows(cursor, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert many rows into `table` (one of this module's, never a caller's string): COPY on
    PostgreSQL, where even a pipelined executemany costs a round of parsing per row; executemany
    on SQLite, where every statement is a library call."""
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        placeholders = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)  # noqa: S608


@transaction.atomic
def questions_bulk_create(
    *,
    bank: QuestionBank,
    contents: list[QuestionContent],
    by: User | None = None,
    fingerprints: list[str] | None = None,
    status: str = Question.Status.PUBLISHED,
    import_job_id: int | None = None,
) -> int:
    """Store many checked questions as version 1, of `status`, with a handful of set-based
    statements (imports), each recording `import_job_id` (the import that brought it, if any).

    Questions get ids in the order of `contents`. `fingerprints`, when the caller has them (the
    duplicate check), are `fingerprint(content)` for each content, in order.
    """
    if not contents:
        return 0
    if fingerprints is None:
        fingerprints = [fingerprint(content) for content in contents]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        # One INSERT … SELECT of N identical rows: the questions carry nothing but their bank
        # until their versions exist, so the i-th smallest new id goes to the i-th content.
        cursor.execute(
            """WITH RECURSIVE counter(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM counter WHERE n < %s)
            INSERT INTO lessons_question (bank_id, status, import_job_id, created_at)
            SELECT %s, %s, %s, %s FROM counter RETURNING id""",
            [len(contents), bank.pk, status, import_job_id, now],
        )
        question_ids = sorted(row[0] for row in cursor.fetchall())
        _insert_rows(
            cursor,
            "lessons_questionversion",
            (
                "question_id",
                "number",
                "type",
                "stem",
                "options",
                "key",
                "explanation",
                "source",
                "difficulty",
                "fingerprint",
                "image",
                "created_by_id",
                "created_at",
            ),
            [
                (
                    question_id,
                    1,
                    content.type,
                    content.stem,
                    json.dumps(content.options, ensure_ascii=False),  # as the model's field writes it
                    json.dumps(content.key),
                    content.explanation,
                    content.source,
                    content.difficulty,
                    mark,
                    "",  # imported questions have no illustration
                    by.pk if by else None,
                    now,
                )
                for question_id, content, mark in zip(question_ids, contents, fingerprints, strict=True)
            ],
        )
        cursor.execute(
            """UPDATE lessons_question SET current_id = (
                SELECT v.id FROM lessons_questionversion v WHERE v.question_id = lessons_question.id AND v.number = 1
            ) WHERE bank_id = %s AND current_id IS NULL""",
            [bank.pk],
        )
        names = sorted({name for content in contents for name in content.tags})
        if names:
            tag_ids = {tag.name: tag.pk for tag in tags_for(names)}
            _insert_rows(
                cursor,
                "lessons_question_tags",
                ("question_id", "tag_id"),
                [
                    (question_id, tag_ids[name])
                    for question_id, content in zip(question_ids, contents, strict=True)
                    for name in content.tags
                ],
            )
    return len(contents)
