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
def essay_call(tree, gz_organiser):
    """An essay call of the audit organ: branch then office recommend (quota 1 each), a rubric of
    two criteria (content 0.6 × 0-100, style 0.4 × 0-100), prizes by count: 1 first, 1 second
    (ties at a boundary share it)."""
    now = timezone.now()
    call = Call.objects.create(
        title="学习二十大征文",
        unit=tree["audit"],
        kind=Call.Kind.ESSAY,
        rules="不超过3000字",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=1),
        entries_per_member=1,
        max_file_mb=1,
        max_coauthors=1,
        judges_per_entry=3,
    )
    services.call_settings_save(
        call=call,
        levels=[("branch", 1), ("office", 1)],
        criteria=[
            ("内容", Decimal("0.6"), Decimal(0), Decimal(100)),
            ("文采", Decimal("0.4"), Decimal(0), Decimal(100)),
        ],
        tiers=[("一等奖", Decimal(1)), ("二等奖", Decimal(1))],
    )
    return call


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
