"""Once a call's results are published, an entry still waiting for its unit's recommendation will
never be reviewed: its author reads "Not recommended" (not "Submitted · at 第一党支部", as if a
decision were still to come) and can no longer withdraw it."""

import pytest
from django.utils import timezone

from calls import services
from calls.models import Call, Entry
from calls.services import CallRejected
from tests import factories

from .conftest import signed_in, submitted_essay


@pytest.mark.parametrize(("language", "label"), [("zh-hans", "未获推荐"), ("en", "Not recommended")])
def test_an_entry_left_waiting_for_a_recommendation_reads_not_recommended_once_results_are_out(
    client, essay_call, tree, language, label
):
    author = factories.member(tree["gz1"], real_name="王五")
    waiting = submitted_essay(essay_call, author, title="等待推荐的征文")
    assert (waiting.status, waiting.at_unit) == (Entry.Status.SUBMITTED, tree["gz1"])
    now = timezone.now()
    Call.objects.filter(pk=essay_call.pk).update(closes_at=now, scores_locked_at=now, results_published_at=now)
    signed_in(client, author, language)

    page = client.get(f"/calls/entries/{waiting.pk}/").content.decode()
    assert f'id="entry-status">{label}</span></p>' in page  # and no "at 第一党支部" after it
    assert 'id="entry-withdraw"' not in page
    for mine in (f"/calls/{essay_call.pk}/", "/calls/"):
        assert (
            f'等待推荐的征文</a> <span class="badge text-bg-light border">{label}</span>'
            in client.get(mine).content.decode()
        )

    with pytest.raises(CallRejected) as refused:
        services.entry_withdraw(entry=waiting, by=author)
    assert refused.value.code == "published"
    waiting.refresh_from_db()
    assert waiting.status == Entry.Status.SUBMITTED
