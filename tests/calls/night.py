"""A speech night to test with: a speech call with a two-criterion rubric, three finalists, a
panel of five judges, one of whom (广州评委, of the Guangzhou office) is conflicted with the two
Guangzhou speakers."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from calls import services as call_services
from calls.live import services
from calls.models import Call, Entry, Panel
from tests import factories


def speech_night(tree, *, show_scores: str = "each", scoring_seconds: int = 120) -> dict:
    host = factories.organiser(tree["audit"], username="night-host", real_name="主持人")
    now = timezone.now()
    call = Call.objects.create(
        title="奋进新时代主题演讲比赛",
        unit=tree["audit"],
        kind=Call.Kind.SPEECH,
        opens_at=now - timedelta(days=10),
        closes_at=now - timedelta(days=1),
        drop_extremes_from=5,
    )
    call_services.call_settings_save(
        call=call,
        levels=[],
        criteria=[
            ("内容", Decimal("0.6"), Decimal(0), Decimal(100)),
            ("表达", Decimal("0.4"), Decimal(0), Decimal(100)),
        ],
        tiers=[],
    )
    speakers = {}
    for key, unit, name in (("gz1", tree["gz1"], "张讲"), ("jjj1", tree["jjj1"], "李讲"), ("gz2", tree["gz2"], "王讲")):
        author = factories.member(unit, username=f"speaker-{key}", real_name=name)
        speakers[key] = Entry.objects.create(
            call=call, author=author, unit=unit, title=f"{name}的演讲", status=Entry.Status.FINALIST
        )
    judges = [
        factories.member(tree["mof" if n % 2 else "budget"], username=f"judge{n}", real_name=f"评委{n}")
        for n in range(1, 5)
    ]
    judges.append(factories.member(tree["gz"], username="judge5", real_name="广州评委"))
    panel = Panel.objects.create(call=call, name="决赛评委")
    panel.judges.set(judges)
    night = services.night_save(
        call=call, panel=panel, scoring_seconds=scoring_seconds, show_scores=show_scores, by=host
    )
    outsider = factories.member(tree["mof"], username="outsider")
    return {"call": call, "night": night, "host": host, "judges": judges, "speakers": speakers, "outsider": outsider}
