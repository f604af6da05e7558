"""Question banks and questions. Editing an answered question makes a new version."""

import re
import uuid
from io import BytesIO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from orgs.models import Unit, User
from quizsite.spreadsheets import too_large

from ..models import AttemptItem, Question, QuestionBank, QuestionVersion, Tag
from ..validation import QuestionContent, QuestionInvalid, check_question, fingerprint


class BankError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def bank_create(*, slug: str, name: str, unit: Unit, by: User | None = None, description: str = "") -> QuestionBank:
    if QuestionBank.objects.filter(slug=slug).exists():
        raise BankError("bank_slug_taken", f"A question bank with code {slug!r} exists.")
    return QuestionBank.objects.create(slug=slug, name=name or slug, unit=unit, created_by=by, description=description)


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
        with Image.open(BytesIO(data)) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        image_format = None
    if image_format not in IMAGE_FORMATS:
        raise QuestionInvalid({"image": _("The file is not a picture (PNG, JPEG, GIF or WebP).")})
    name = f"{IMAGE_DIRECTORY}{uuid.uuid4().hex}.{IMAGE_FORMATS[image_format]}"
    return default_storage.save(name, ContentFile(data))


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


@transaction.atomic
def question_edit(*, question: Question, content: QuestionContent, by: User | None = None) -> Question:
    """Change a question. If any attempt used the current version, keep it and add a new one."""
    content = check_question(content)
    question = Question.objects.select_for_update().get(pk=question.pk)
    current = question.current
    if AttemptItem.objects.filter(version=current).exists():
        version = _version(question, content, number=current.number + 1, by=by)
        version.save()
        question.current = version
        question.save(update_fields=["current"])
    else:
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


@transaction.atomic
def questions_bulk_create(*, bank: QuestionBank, contents: list[QuestionContent], by: User | None = None) -> int:
    """Store many checked questions with a handful of set-based statements (imports)."""
    questions = Question.objects.bulk_create([Question(bank=bank) for _content in contents], batch_size=1000)
    versions = QuestionVersion.objects.bulk_create(
        [_version(q, c, number=1, by=by) for q, c in zip(questions, contents, strict=True)], batch_size=1000
    )
    for question, version in zip(questions, versions, strict=True):
        question.current = version
    Question.objects.bulk_update(questions, ["current"], batch_size=1000)
    names = sorted({name for c in contents for name in c.tags})
    tags = {t.name: t for t in tags_for(names)} if names else {}
    through = Question.tags.through
    through.objects.bulk_create(
        [
            through(question_id=q.pk, tag_id=tags[name].pk)
            for q, c in zip(questions, contents, strict=True)
            for name in c.tags
        ],
        batch_size=2000,
    )
    return len(questions)
