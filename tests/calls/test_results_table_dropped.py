"""The organiser's results table strikes out the totals dropped from the final, judge by judge:
equal totals are not all struck because one of them was dropped."""

import re

from django.urls import reverse

from calls import services
from calls.models import Assignment, Panel
from tests import factories

from .conftest import signed_in
from .test_review_judging import finalists, scores


def test_only_the_dropped_totals_are_struck_out_in_the_results(client, essay_call, tree, owner):
    """Five judges (drop the highest and lowest from 5), weights 0.6 and 0.4, both criteria the
    same value. 甲: 60, 70, 80, 90, 100: 60 and 100 struck, final (70 + 80 + 90) / 3 = 80.00.
    乙: five times 80: one 80 as the lowest and one as the highest dropped, two struck, three
    not; final 80.00."""
    first, second = finalists(essay_call, [tree["gz2"]], 2)
    panel = Panel.objects.create(call=essay_call, name="终评组")
    panel.judges.set([factories.member(tree["jjj1"], real_name=f"评委{i}") for i in range(5)])
    essay_call.judges_per_entry = 5
    essay_call.save()
    services.assignment_run(call=essay_call, panel=panel, by=owner, seed="x")
    for entry, values in ((first, (60, 70, 80, 90, 100)), (second, (80,) * 5)):
        for value, assignment in zip(values, Assignment.objects.filter(entry=entry).order_by("judge_id"), strict=True):
            services.score_record(assignment=assignment, by=assignment.judge, values=scores(essay_call, value, value))

    page = signed_in(client, owner).get(reverse("calls:manage", args=[essay_call.pk])).text
    table = page.split('id="results-table"')[1].split("</table>")[0]
    rows = {title: row for row in table.split("<tr>")[1:] for title in (first.title, second.title) if title in row}
    struck = {title: sorted(re.findall(r"<s [^>]*>([\d.]+)</s>", row), key=float) for title, row in rows.items()}
    assert struck == {first.title: ["60.00", "100.00"], second.title: ["80.00", "80.00"]}
    assert rows[second.title].count("80.00") == 5 + 1  # five totals and the final
