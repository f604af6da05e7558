from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from calls import services
from calls.models import Call, Panel
from tests import factories

from . import documents


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture
def owner(tree):
    """An organiser of the audit organ, which owns the calls here."""
    return factories.organiser(tree["audit"], username="audit-organiser", real_name="署组织者")


def signed_in(client, user, language="zh-hans"):
    """`client` signed in as `user`, its pages in `language`."""
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


ONE_CRITERION = [("内容", Decimal(1), Decimal(0), Decimal(100))]


def open_essay_call(unit, *, title="学习二十大征文", levels=(), criteria=ONE_CRITERION, tiers=(), **fields) -> Call:
    """An essay call of `unit`, open since yesterday until tomorrow. Unless told otherwise, entries
    go straight to judging (no recommendation levels), one judge scores each on one criterion
    (内容, 0-100) and there are no prizes; `fields` set the call's other columns."""
    now = timezone.now()
    call = Call.objects.create(
        title=title,
        unit=unit,
        kind=Call.Kind.ESSAY,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=1),
        **{"judges_per_entry": 1, **fields},
    )
    services.call_settings_save(call=call, levels=list(levels), criteria=list(criteria), tiers=list(tiers))
    return call


@pytest.fixture
def essay_call(tree, gz_organiser):
    """An essay call of the audit organ: branch then office recommend (quota 1 each), a rubric of
    two criteria (content 0.6 × 0-100, style 0.4 × 0-100), prizes by count: 1 first, 1 second
    (ties at a boundary share it)."""
    return open_essay_call(
        tree["audit"],
        rules="不超过3000字",
        entries_per_member=1,
        max_file_mb=1,
        max_coauthors=1,
        judges_per_entry=3,
        levels=[("branch", 1), ("office", 1)],
        criteria=[
            ("内容", Decimal("0.6"), Decimal(0), Decimal(100)),
            ("文采", Decimal("0.4"), Decimal(0), Decimal(100)),
        ],
        tiers=[("一等奖", Decimal(1)), ("二等奖", Decimal(1))],
    )


def submitted_essay(call, author, title="我的征文"):
    entry = services.entry_create(call=call, author=author, title=title)
    services.entry_attach(entry=entry, upload=upload("essay.docx", documents.docx(author=author.real_name)))
    return services.entry_submit(entry=entry, by=author)


@pytest.fixture
def panel(essay_call, tree):
    panel = Panel.objects.create(call=essay_call, name="评审组")
    judges = [factories.member(tree["jjj1"], real_name=f"评委{i}") for i in range(3)]
    judges.append(factories.member(tree["gz1"], real_name="广州评委"))
    panel.judges.set(judges)
    return panel
