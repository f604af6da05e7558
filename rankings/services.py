"""Every write of the rankings app: rules, runs, snapshots and their publication."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

import notifications.services
from orgs.models import Unit, User
from orgs.paths import path_parts
from quizsite.naming import joined_sentences
from quizsite.spreadsheets import (
    ExportWorkbook,
    RowError,
    SpreadsheetError,
    cell_text,
    read_sheet_values,
    read_table,
)

from . import compute, selectors
from .models import ExpectedHeadcount, RankingRule, RankingRun, RuleScope, RuleSource, Snapshot
from .params import SAVED_SOURCES, RuleParams, check_days, check_rule
from .sources import source_kind
from .sql import facts_checksum


class RankingRejected(Exception):
    """A domain refusal with a stable code and a message for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# ---------------------------------------------------------------- rules


@transaction.atomic
def rule_save(
    *, rule: RankingRule, by: User | None = None, source_kinds=SAVED_SOURCES, scope: list[Unit] | None = None
) -> RankingRule:
    """Validate and save a rule. A change to a saved rule bumps its version and marks it dirty.

    `source_kinds`: the kinds of the sources the rule is being saved with, when they change in the
    same edit; by default the rule's saved sources; None: none yet (checked when they are added).
    `scope`: the units the rule covers from now on (`rule_scope_set`); None keeps its scope."""
    if scope is not None:
        rule.pending_scope = list(scope)
    check_rule(rule, source_kinds=source_kinds)
    if rule.pk:
        RankingRule.objects.select_for_update().filter(pk=rule.pk).first()
        rule.version = (RankingRule.objects.filter(pk=rule.pk).values_list("version", flat=True).first() or 0) + 1
    elif by is not None:
        rule.created_by = by
    rule.dirty = True
    rule.save()
    if scope is not None:
        rule_scope_set(rule=rule, units=scope)
    if rule.population_frozen_at is None:
        population_freeze(rule=rule)
    return rule


def rule_scope_set(*, rule: RankingRule, units: list[Unit]) -> None:
    """Make `units` the units a saved rule covers. None, or the rule's own unit alone, is no scope:
    the rule covers its unit's subtree and its parameters stay as they were before scopes."""
    chosen = {unit.pk for unit in units}
    if chosen == {rule.unit_id}:
        chosen = set()
    rule.scope.exclude(unit_id__in=chosen).delete()
    kept = set(rule.scope.values_list("unit_id", flat=True))
    RuleScope.objects.bulk_create(RuleScope(rule=rule, unit_id=pk) for pk in sorted(chosen - kept))
    # The rule reads its scope from the table again (a page may have prefetched the old one).
    if hasattr(rule, "pending_scope"):
        del rule.pending_scope
    getattr(rule, "_prefetched_objects_cache", {}).pop("scope", None)


def rule_sources_changed(*, rule: RankingRule) -> None:
    """Sources were added, edited or removed: a new rule version, to be recomputed.

    Raises ValidationError when the rule's settings need data the sources no longer provide
    (a tie-break on answers with no contest or exam source); call inside the edit's transaction."""
    check_rule(rule)
    RankingRule.objects.filter(pk=rule.pk).update(version=rule.version + 1, dirty=True)
    rule.refresh_from_db(fields=["version", "dirty"])


RULE_SOURCE_FIELDS = ("kind", "contest_id", "paper_id", "activity", "weight")


def _source_key(source: dict) -> tuple:
    return (source["kind"], source["contest_id"], source["paper_id"], source["activity"], float(source["weight"]))


@transaction.atomic
def rule_build(
    *, rule: RankingRule, sources: list[dict], by: User | None = None, scope: list[Unit] | None = None
) -> RankingRule:
    """Save a rule, its sources (keyword arguments of `RuleSource`) and the units it covers
    (`rule_save`'s `scope`) as one change: one new version, marked to be computed."""
    before = sorted(_source_key(s) for s in rule.sources.values(*RULE_SOURCE_FIELDS)) if rule.pk else []
    rule = rule_save(rule=rule, by=by, source_kinds=[source["kind"] for source in sources] or None, scope=scope)
    if sorted(_source_key(s) for s in sources) != before:
        rule.sources.all().delete()
        RuleSource.objects.bulk_create(RuleSource(rule=rule, **source) for source in sources)
    return rule


def rule_preview(*, rule: RankingRule, sources: list[dict], limit: int = 10, scope: list[Unit] | None = None) -> dict:
    """The top `limit` rows `rule` (saved or not, already checked) would rank on today's facts,
    with the counts of ranked and eligible subjects. The rule, its sources and the snapshot are
    written inside a transaction that is rolled back: nothing is saved."""

    class _Rollback(Exception):
        pass

    # The subject, metric and rule say how the rows read (a unit's name, a participation rate in
    # %, a prize's English name).
    preview: dict = {
        "rows": [],
        "row_count": 0,
        "eligible_count": 0,
        "subject": rule.subject,
        "metric": rule.metric,
        "rule": rule,
    }
    try:
        with compute.tuned_session(), transaction.atomic():
            if rule.pk is None:
                rule.created_at = timezone.now()
            rule.save()
            rule.sources.all().delete()
            RuleSource.objects.bulk_create(RuleSource(rule=rule, **source) for source in sources)
            if scope is not None:
                rule_scope_set(rule=rule, units=scope)
            population_freeze(rule=rule)
            rule.refresh_from_db(fields=["population_frozen_at"])
            params = RuleParams.from_rule(rule)
            compute.build_inputs(params)
            snapshot = _snapshot_write(
                rule=rule,
                params=params,
                digest=compute.input_hash(params),
                previous=None,
                by=None,
                task_id="preview",
                fingerprint="",
                version=0,
            )
            preview |= {
                "rows": selectors.with_unit_paths(
                    rule, selectors.in_place_order(snapshot.rows.all(), snapshot)[:limit]
                ),
                "row_count": snapshot.row_count,
                "eligible_count": snapshot.eligible_count,
            }
            raise _Rollback
    except _Rollback:
        pass
    finally:
        compute.drop_temp()
    return preview


@transaction.atomic
def expected_headcounts_save(*, rule: RankingRule, counts: dict[int, int | None], by: User | None = None) -> int:
    """State (or, with None, withdraw) the expected headcount of ranked units; any change is a new
    rule version, to be recomputed. Returns how many units changed.

    Raises RankingRejected for a unit the rule does not rank or a count it cannot have
    (`expected_headcount_problem`): nothing is saved."""
    units = {unit["unit_id"]: unit for unit in selectors.headcount_units(rule)}
    for unit_id, count in counts.items():
        if unit_id not in units:
            raise RankingRejected("unknown_unit", _("This ranking does not rank that unit."))
        if count is not None:
            code, problem = expected_headcount_problem(units[unit_id], count)
            if problem:
                raise RankingRejected(code, problem)
    changed = {unit_id: count for unit_id, count in counts.items() if units[unit_id]["expected"] != count}
    for unit_id, count in changed.items():
        if count is None:
            ExpectedHeadcount.objects.filter(rule=rule, unit_id=unit_id).delete()
        else:
            ExpectedHeadcount.objects.update_or_create(
                rule=rule, unit_id=unit_id, defaults={"headcount": count, "updated_by": by}
            )
    if changed:
        RankingRule.objects.filter(pk=rule.pk).update(version=F("version") + 1, dirty=True)
        rule.refresh_from_db(fields=["version", "dirty"])
    return len(changed)


# No ranked unit expects more people than this; a larger number is a slip of the keyboard (and
# would not fit the database's integer column).
HEADCOUNT_MAX = 1_000_000


def headcount_too_large() -> str:
    return _("A headcount is at most %(max)s: check the number.") % {"max": f"{HEADCOUNT_MAX:,}"}


def expected_headcount_problem(unit: dict, count: int) -> tuple[str, str]:
    """Why `count` cannot be the stated headcount of `unit` (a `selectors.headcount_units` entry),
    as (code, message naming the unit), or ("", "").

    0 is refused: a unit stated to expect no one would drop out of the ranking with everyone who
    took part (leave it empty to use the counted headcount). So is a figure below the number who
    took part in the newest version: it would give a rate over 100 %. A figure already stated is
    let stand (the computation counts such a unit against its participants and says so), so an
    old figure never blocks saving the others."""
    if count == unit["expected"]:
        return "", ""
    if count < 0:
        return "negative_headcount", _("A headcount cannot be negative.")
    if count > HEADCOUNT_MAX:
        return "huge_headcount", headcount_too_large()
    if count == 0:
        return "zero_headcount", _(
            "%(unit)s: a headcount of 0 would leave the unit unranked. Leave it empty to use the counted one."
        ) % {"unit": unit["label"]}
    if count < unit["took_part"]:
        return "headcount_below_participants", _(
            "%(unit)s: %(took_part)d people already took part (newest version), "
            "so the expected headcount cannot be below %(took_part)d."
        ) % {"unit": unit["label"], "took_part": unit["took_part"]}
    return "", ""


HEADCOUNT_COLUMNS = {
    "unit": ("单位", "unit", "单位名称", "unit path"),
    "headcount": ("应参与人数", "expected headcount", "headcount", "人数"),
}
# Each column's name in the page's language: the template's header, and how a problem names a
# column the sheet does not head in its own words.
HEADCOUNT_NAMES = {
    "unit": pgettext_lazy("headcount import column", "Unit"),
    "headcount": pgettext_lazy("headcount import column", "Expected headcount"),
}


@dataclass
class HeadcountImport:
    """What an expected-headcount workbook did: per-row errors (then nothing was saved), or how
    many rows it read and how many units changed."""

    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""
    rows: int = 0
    changed: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error


def _read_headcount(text: str) -> tuple[int | None, str]:
    """A cell's headcount and '', or None and what is wrong; an empty cell is None with nothing
    wrong: the unit takes the counted headcount, as when its box on the page is left empty (the
    template lists every ranked unit, and those left empty must import)."""
    if not text:
        return None, ""
    try:
        number = Decimal(text)
    except ArithmeticError:
        return None, _("“%(value)s” is not a number.") % {"value": text}
    if not number.is_finite():
        return None, _("“%(value)s” is not a number.") % {"value": text}
    if number < 0:
        return None, _("A headcount cannot be negative.")
    if number != number.to_integral_value():
        return None, _("A headcount is a whole number.")
    if number > HEADCOUNT_MAX:
        return None, headcount_too_large()
    return int(number), ""


def expected_headcounts_template(*, rule: RankingRule) -> bytes:
    """A workbook in the page's language (headers and paths: the import reads either) with
    every ranked unit's path and its stated
    expected headcount (empty: counted), ready to fill in and import."""
    book = ExportWorkbook()
    sheet = book.sheet(str(HEADCOUNT_NAMES["headcount"]), widths=(48, 18), frozen_rows=1)
    sheet.append([str(HEADCOUNT_NAMES["unit"]), str(HEADCOUNT_NAMES["headcount"])], style="header")
    for unit in selectors.headcount_units(rule):
        sheet.append([unit["label"], unit["expected"]])
    return book.to_bytes()


def expected_headcounts_import(*, rule: RankingRule, file, by: User | None = None) -> HeadcountImport:
    """Read expected headcounts from an .xlsx (columns 单位 and 应参与人数, or Unit and Expected
    headcount; an empty headcount takes the counted one; a unit by its path
    below the rule's unit, its full path, or its name where no other ranked unit shares it) and
    save them all, or nothing if any row is wrong."""
    report = HeadcountImport()
    try:
        sheet = read_sheet_values(file, max_bytes=settings.MEMBER_IMPORT_MAX_BYTES)
        table = read_table(sheet.rows, columns=HEADCOUNT_COLUMNS, required=("unit", "headcount"), names=HEADCOUNT_NAMES)
    except SpreadsheetError as problem:
        report.file_error = str(problem)
        return report
    units = {unit["unit_id"]: unit for unit in selectors.headcount_units(rule)}
    find_unit = selectors.headcount_unit_finder(rule)
    # Problems name a column as the sheet heads it, whichever language it was written in.
    unit_header, count_header = (table[0].headers[key] if table else "" for key in ("unit", "headcount"))
    counts: dict[int, int | None] = {}
    for row in table:
        report.rows += 1
        text = cell_text(row.values["unit"], fold=True)
        match = find_unit(text)
        unit_id = match.unit_id
        if match.problem == "blank":
            report.errors.append(RowError(row.number, unit_header, _("The unit is missing.")))
        elif match.problem == "ambiguous" and len(path_parts(text)) == 1:
            # The same name in two organs (第一党支部): only a path tells which.
            report.errors.append(
                RowError(
                    row.number, unit_header, _("Several units are called “%(name)s”: give its path.") % {"name": text}
                )
            )
        elif unit_id is None:
            refusal = _("“%(name)s” is not a unit this ranking ranks.") % {"name": text}
            # Which part of a path was not found; a name alone is looked for among the ranked units.
            path_problem = match.explained() if len(path_parts(text)) > 1 else ""
            report.errors.append(
                RowError(row.number, unit_header, joined_sentences(filter(None, [refusal, path_problem])))
            )
        elif unit_id in counts:
            report.errors.append(RowError(row.number, unit_header, _("This unit is listed twice.")))
        count, problem = _read_headcount(cell_text(row.values["headcount"], fold=True))
        if unit_id is not None and count is not None and not problem:
            problem = expected_headcount_problem(units[unit_id], count)[1]
        if problem:
            report.errors.append(RowError(row.number, count_header, problem))
        if unit_id is not None and not problem:
            counts[unit_id] = count
    if report.ok:
        report.changed = expected_headcounts_save(rule=rule, counts=counts, by=by)
    return report


def _covered_sql(rule: RankingRule, column: str) -> tuple[str, tuple[str, ...]]:
    """A condition on a unit's path `column` for the units the rule covers, and its arguments."""
    prefixes = tuple(path + "%" for path in rule.covered_paths())
    return "(" + " OR ".join([f"{column} LIKE %s"] * len(prefixes)) + ")", prefixes


@transaction.atomic
def population_freeze(*, rule: RankingRule) -> None:
    """Record the unit tree and every member of the rule's subtree as they are now.

    Headcounts (per capita, participation) and members' units count from this moment; later
    moves, renames and deletions do not change a recomputation. Idempotent."""
    rule = RankingRule.objects.select_for_update().get(pk=rule.pk)
    if rule.population_frozen_at is not None:
        return
    covered, prefixes = _covered_sql(rule, "path")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO rankings_ruleunit (rule_id, unit_id, path, depth, name, kind) "  # noqa: S608 - placeholders only
            f"SELECT %s, id, path, depth, name, kind FROM orgs_unit WHERE {covered}",
            [rule.pk, *prefixes],
        )
        cursor.execute(
            "INSERT INTO rankings_rulemember (rule_id, member_id, unit_id) "  # noqa: S608 - placeholders only
            "SELECT %s, m.id, m.unit_id FROM orgs_user m JOIN orgs_unit u ON u.id = m.unit_id "
            f"WHERE m.is_active AND {_covered_sql(rule, 'u.path')[0]}",
            [rule.pk, *prefixes],
        )
    rule.population_frozen_at = timezone.now()
    RankingRule.objects.filter(pk=rule.pk).update(population_frozen_at=rule.population_frozen_at)


def inputs_fingerprint(rule: RankingRule) -> str:
    """A summary of every fact a rule reads, computed in the database: counts, newest ids and
    checksums over the columns that count (`rankings.sql.facts_checksum`), so that an edit to an
    existing fact changes it as surely as a new one. Also covers members' placements and whether
    they are active, which decide the units facts count for and the headcount."""
    checksum = facts_checksum
    covered, subtree = _covered_sql(rule, "path")
    in_subtree = f"unit_id IN (SELECT id FROM orgs_unit WHERE {covered})"  # noqa: S608 - placeholders only
    placed = "member_id IN (SELECT member_id FROM orgs_memberplacement WHERE unit_id IN "
    placed += f"(SELECT id FROM orgs_unit WHERE {covered}))"  # noqa: S608 - placeholders only
    placements = {"member_id": "integer", "unit_id": "integer", "effective_at": "time"}
    parts = [f"v{rule.version}"]
    if rule.subject == RankingRule.Subject.UNIT:
        parts += [
            checksum("orgs_memberplacement", placements, placed, subtree),
            checksum("orgs_user", {"unit_id": "integer", "is_active": "flag"}, in_subtree, subtree),
        ]
    else:
        # A new colleague without facts changes only unit rankings (their headcount); moves and
        # deactivations change any ranking.
        moved = "member_id IN (SELECT member_id FROM orgs_memberplacement GROUP BY member_id HAVING COUNT(*) > 1)"
        parts += [
            checksum("orgs_memberplacement", placements, f"{placed} AND {moved}", subtree),
            checksum("orgs_user", {"unit_id": "integer"}, f"{in_subtree} AND NOT is_active", subtree),
        ]
    if rule.subject == RankingRule.Subject.UNIT and rule.unit_kinds:
        # A unit of a kind ranked, added to the subtree since the tree was frozen, is ranked too
        # (the frozen units keep the kinds they had then).
        parts.append(checksum("orgs_unit", {"depth": "integer"}, covered, subtree))
    for source in rule.sources.order_by("id"):
        parts += source_kind(source.kind).checksums(source, rule)
    return f"v{rule.version}:" + hashlib.sha256("|".join(parts).encode()).hexdigest()


def rules_mark_dirty() -> list[int]:
    """The beat sweep's first half: flag active rules whose inputs changed since their last run."""
    marked = []
    for rule in RankingRule.objects.filter(is_active=True):
        fingerprint = inputs_fingerprint(rule)
        if fingerprint != rule.inputs_fingerprint and not rule.dirty:
            RankingRule.objects.filter(pk=rule.pk).update(dirty=True)
            marked.append(rule.pk)
        elif rule.dirty:
            marked.append(rule.pk)
    return marked


# ---------------------------------------------------------------- runs


# A run whose computation kills its worker each time (say, out of memory) is given up after this
# many executions rather than taken over for ever.
RUN_MAX_ATTEMPTS = 3


class RunLost(Exception):
    """This execution no longer holds its run: its heartbeat lapsed and another took it over."""


def _abandoned() -> Q:
    """Active runs nobody works on: queued past the lease (the task was lost before it started)
    or running with a heartbeat older than the grace (the worker died)."""
    now = timezone.now()
    return Q(
        status=RankingRun.Status.QUEUED, created_at__lt=now - timedelta(seconds=settings.RANKINGS_RUN_LEASE_S)
    ) | Q(status=RankingRun.Status.RUNNING, heartbeat_at__lt=now - timedelta(seconds=settings.RANKINGS_RUN_GRACE_S))


def check_sources_ready(*, rule: RankingRule) -> None:
    """Raise RankingRejected naming the first of the rule's sources with nothing to rank yet."""
    for source in rule.sources.select_related("contest").order_by("id"):
        problem = source_kind(source.kind).not_ready(source)
        if problem:
            raise RankingRejected("source_not_ready", problem)


def run_request(*, rule: RankingRule, by: User | None = None) -> tuple[RankingRun, bool]:
    """Queue a computation of `rule`, or return the one already queued or running (created=False).

    An abandoned run (see `_abandoned`) is marked failed first, so "Compute now" and the beat
    sweep start afresh about a minute after a worker dies. The partial unique index on active
    runs is the lock: two requests at once get one run.

    Raises RankingRejected("source_not_ready") when a source has nothing to rank yet (a contest
    that has not started: `SourceKind.not_ready`)."""
    check_sources_ready(rule=rule)
    RankingRun.objects.filter(_abandoned(), rule=rule).update(
        status=RankingRun.Status.FAILED, outcome="abandoned: the worker stopped", finished_at=timezone.now()
    )
    try:
        with transaction.atomic():
            return RankingRun.objects.create(rule=rule, requested_by=by), True
    except IntegrityError:
        active = RankingRun.objects.filter(
            rule=rule, status__in=[RankingRun.Status.QUEUED, RankingRun.Status.RUNNING]
        ).first()
        if active is None:  # finished in between: ask again
            return run_request(rule=rule, by=by)
        return active, False


@transaction.atomic
def run_claim(*, run_id: int, task_id: str = "") -> int | None:
    """Take the run for this execution: a queued run, or a running one whose heartbeat lapsed.

    Returns the execution's attempt number, the fencing token every later write of the run
    carries; None when the run is gone, finished, or alive in another execution. Gives the run
    up after RUN_MAX_ATTEMPTS executions."""
    run = RankingRun.objects.select_for_update().filter(Q(status=RankingRun.Status.QUEUED) | _abandoned(), pk=run_id)
    run = run.first()
    if run is None:
        return None
    if run.attempt >= RUN_MAX_ATTEMPTS:
        RankingRun.objects.filter(pk=run_id).update(
            status=RankingRun.Status.FAILED,
            outcome=f"abandoned: the worker stopped {run.attempt} times",
            finished_at=timezone.now(),
        )
        return None
    RankingRun.objects.filter(pk=run_id).update(
        status=RankingRun.Status.RUNNING,
        task_id=task_id,
        stage="collecting",
        progress=5,
        heartbeat_at=timezone.now(),
        attempt=run.attempt + 1,
    )
    return run.attempt + 1


def _held(run_id: int, attempt: int) -> QuerySet[RankingRun]:
    """The run, if this execution (its `attempt`) still holds it."""
    return RankingRun.objects.filter(pk=run_id, attempt=attempt, status=RankingRun.Status.RUNNING)


def _run_end(run_id: int, attempt: int, status: str, outcome: str, snapshot: Snapshot | None = None) -> None:
    _held(run_id, attempt).update(
        status=status, outcome=outcome[:200], snapshot=snapshot, finished_at=timezone.now(), progress=100, stage=""
    )


def _progress(run_id: int, attempt: int, progress: int, stage: str) -> None:
    """Report progress and renew the heartbeat, or raise RunLost if another execution took over."""
    if not _held(run_id, attempt).update(progress=progress, stage=stage, heartbeat_at=timezone.now()):
        raise RunLost(run_id)


def run_execute(
    *, run_id: int, task_id: str = "", on_progress: Callable[[int, str], None] | None = None
) -> RankingRun | None:
    """Compute the run's rule into a new draft snapshot, or find that the newest one still holds.

    Only an execution that claims the run works (`run_claim`); it renews the run's heartbeat at
    every stage, so a run whose worker died is taken over once RANKINGS_RUN_GRACE_S passes. Facts
    are aggregated once into a temporary table; the snapshot and its rows are written in one
    transaction holding the rule's row lock and the run's, and only while this execution still
    holds the run and the rule is unchanged: neither a run taken over nor a stale one writes."""
    attempt = run_claim(run_id=run_id, task_id=task_id)
    run = RankingRun.objects.select_related("rule__unit", "requested_by").filter(pk=run_id).first()
    if run is None or attempt is None:
        return run

    def report(progress: int, stage: str) -> None:
        _progress(run_id, attempt, progress, stage)
        if on_progress:
            on_progress(progress, stage)

    try:
        with compute.tuned_session():
            _compute(run, attempt, task_id, report)
    except RunLost:
        pass  # the execution that took over reports the outcome
    except RankingRejected as refused:
        _run_end(run_id, attempt, RankingRun.Status.FAILED, refused.message)
    except Exception as error:
        _run_end(run_id, attempt, RankingRun.Status.FAILED, f"error: {error}")
        raise
    finally:
        compute.drop_temp()
    run.refresh_from_db()
    return run


def _compute(run: RankingRun, attempt: int, task_id: str, report: Callable[[int, str], None]) -> None:
    rule = run.rule
    if not rule.sources.exists():
        raise RankingRejected("no_sources", _("The rule reads no facts: add a contest, points or exam source."))
    if bad_days := check_days(rule):
        # Saved before the form refused such days: no period or cut-off can be computed from them.
        raise RankingRejected(
            "day_out_of_range",
            _("The rule's dates cannot be computed (%(days)s): edit the rule. %(problem)s")
            % {
                "days": pgettext("between list items", ", ").join(getattr(rule, name).isoformat() for name in bad_days),
                "problem": next(iter(bad_days.values())),
            },
        )
    # Abandoned exams past their deadline count as finished even where no beat has submitted them.
    paper_ids = [
        source.paper_id
        for source in rule.sources.all()
        if source.kind in (RuleSource.Kind.EXAM, RuleSource.Kind.ONLINE)
    ]
    if paper_ids:
        from lessons.services.attempts import attempts_expire_due

        attempts_expire_due(paper_ids=paper_ids)
    population_freeze(rule=rule)
    fingerprint = inputs_fingerprint(rule)
    params = RuleParams.from_rule(rule)
    report(10, "collecting")
    compute.build_inputs(params)
    report(40, "hashing")
    digest = compute.input_hash(params)
    report(55, "ranking")
    with transaction.atomic():
        locked = RankingRule.objects.select_for_update().get(pk=rule.pk)
        if not _held(run.pk, attempt).select_for_update().exists():
            raise RunLost(run.pk)
        if locked.version != rule.version:
            _run_end(run.pk, attempt, RankingRun.Status.DONE, "stale: the rule changed during the run; it stays marked")
            return
        latest = locked.snapshots.order_by("-version").first()
        if latest and latest.input_hash == digest and latest.rule_version == locked.version:
            RankingRule.objects.filter(pk=rule.pk).update(dirty=False, inputs_fingerprint=fingerprint)
            _run_end(run.pk, attempt, RankingRun.Status.DONE, "unchanged", latest)
            return
        snapshot = _snapshot_write(
            rule=locked,
            params=params,
            digest=digest,
            previous=latest,
            by=run.requested_by,
            task_id=task_id,
            fingerprint=fingerprint,
        )
        report(95, "comparing")
        RankingRule.objects.filter(pk=rule.pk).update(dirty=False, inputs_fingerprint=fingerprint)
        _run_end(run.pk, attempt, RankingRun.Status.DONE, "computed", snapshot)


def _snapshot_write(
    *,
    rule: RankingRule,
    params: RuleParams,
    digest: str,
    previous: Snapshot | None,
    by: User | None,
    task_id: str,
    fingerprint: str,
    version: int | None = None,
) -> Snapshot:
    """Create a snapshot, its rows and its kept inputs from this connection's `rk_*` tables.
    Call inside a transaction holding the rule lock. `version` only for a preview (0)."""
    snapshot = Snapshot.objects.create(
        rule=rule,
        version=version if version is not None else (previous.version + 1 if previous else 1),
        rule_version=rule.version,
        parameters=params.to_json(),
        input_hash=digest,
        inputs_kept=True,
        inputs_in_rows=compute.inputs_in_rows(params),
        inputs_fingerprint=fingerprint,
        rows_hash="",
        task_id=task_id,
        previous=previous,
        computed_by=by,
        computed_at=timezone.now(),
    )
    written = compute.insert_rows(params, snapshot.pk, previous.pk if previous else None)
    compute.keep_inputs(snapshot.pk, snapshot.inputs_in_rows)
    diff = compute.changes_since(snapshot.pk, previous.pk) if previous else {}
    if previous:
        diff |= {"previous_version": previous.version, "inputs_changed": previous.input_hash != digest}
    Snapshot.objects.filter(pk=snapshot.pk).update(
        row_count=written.row_count, eligible_count=written.eligible_count, diff=diff, rows_hash=written.rows_hash
    )
    snapshot.refresh_from_db()
    return snapshot


@dataclass(frozen=True)
class Verification:
    """A snapshot recomputed: the hashes of the inputs and rows it gave, and from what."""

    input_hash: str
    rows_hash: str
    from_kept_inputs: bool
    inputs_match: bool
    rows_match: bool

    @property
    def ok(self) -> bool:
        return self.inputs_match and self.rows_match


def snapshot_recompute(*, snapshot: Snapshot) -> Verification:
    """Recompute `snapshot` with its stored parameters from the inputs it kept, and compare the
    hashes: an untampered snapshot always matches, whatever happened to the facts since. A
    snapshot from before inputs were kept is recomputed from today's facts instead.

    Everything written is rolled back: verification changes nothing."""
    params = RuleParams.from_json(snapshot.parameters)

    class _Rollback(Exception):
        pass

    digest = rows = ""
    try:
        with compute.tuned_session(), transaction.atomic():
            if snapshot.inputs_kept:
                compute.load_inputs(snapshot.pk, bool(snapshot.inputs_in_rows))
            else:
                compute.build_inputs(params)
            digest = compute.input_hash(params)
            check = Snapshot.objects.create(
                rule=snapshot.rule,
                version=0,
                rule_version=snapshot.rule_version,
                parameters=snapshot.parameters,
                input_hash=digest,
                rows_hash="",
                task_id="verify",
                computed_at=timezone.now(),
            )
            rows = compute.insert_rows(params, check.pk).rows_hash
            raise _Rollback
    except _Rollback:
        pass
    finally:
        compute.drop_temp()
    return Verification(
        input_hash=digest,
        rows_hash=rows,
        from_kept_inputs=snapshot.inputs_kept,
        inputs_match=digest == snapshot.input_hash,
        rows_match=rows == snapshot.rows_hash,
    )


def snapshot_drift(*, snapshot: Snapshot) -> dict[str, int] | None:
    """How today's facts differ from the inputs `snapshot` kept (see `compute.drift`); None for a
    snapshot from before inputs were kept. Reads only."""
    if not snapshot.inputs_kept:
        return None
    params = RuleParams.from_json(snapshot.parameters)
    try:
        with compute.tuned_session():
            compute.build_inputs(params)
            return compute.drift(snapshot.pk, bool(snapshot.inputs_in_rows), by_kind=bool(params.unit_kinds))
    finally:
        compute.drop_temp()


def snapshot_facts_changed(snapshot: Snapshot, fingerprint: str | None = None) -> bool:
    """Whether the facts the snapshot's rule reads changed since it was computed (by the rule's
    fingerprint; pass `fingerprint` when it is already known). Unknown for old snapshots: False."""
    if not snapshot.inputs_fingerprint:
        return False
    return (fingerprint or inputs_fingerprint(snapshot.rule)) != snapshot.inputs_fingerprint


# ---------------------------------------------------------------- publication


def newer_published(snapshot: Snapshot) -> Snapshot | None:
    """The rule's published snapshot when it is newer than `snapshot`, else None."""
    return Snapshot.objects.filter(
        rule_id=snapshot.rule_id, status=Snapshot.Status.PUBLISHED, version__gt=snapshot.version
    ).first()


def newer_version(snapshot: Snapshot) -> Snapshot | None:
    """The rule's newest snapshot when it is newer than `snapshot`, else None."""
    return Snapshot.objects.filter(rule_id=snapshot.rule_id, version__gt=snapshot.version).order_by("-version").first()


def outdated_message(version: int, newest: int) -> str:
    """Why an unpublished version older than the rule's newest one is not approved or published,
    as the console and a refusal say it."""
    return _(
        "Version %(v)d is out of date: version %(n)d was computed after it. "
        "Only the newest version can be approved and published: check version %(n)d."
    ) % {"v": version, "n": newest}


def administrators_only_message(rule: RankingRule) -> str:
    """Who alone may manage `rule` (`selectors.can_administer`), as a refusal says it."""
    units = rule.managing_units()
    if len(units) == 1:
        return _("Only administrators of %(unit)s can manage this ranking.") % {"unit": units[0].display_name}
    return _("Only someone who administers all of %(units)s can manage this ranking.") % {
        "units": rule.managing_display
    }


def _check_administers(rule: RankingRule, by: User) -> None:
    """Refuse ("not_administrator") anyone who does not administer the rule's unit and every unit
    it covers: the pages and the API refuse them first, and the four-eyes hint counts only
    those who pass (`selectors.has_other_approver`)."""
    if not selectors.can_administer(by, rule):
        raise RankingRejected("not_administrator", administrators_only_message(rule))


def _check_not_superseded(snapshot: Snapshot) -> None:
    """Only the rule's newest version may be approved or published (a stale page's button, or a
    forged post). A version older than the published one: the publication stands. Older than
    an unpublished one: the newer computation replaced it, on newer facts or a newer rule, and
    an approval vouches for the rows it was given to, so two versions approved side by side
    would be published one after the other (as review tools dismiss an approval once a newer
    change is pushed)."""
    newer = newer_published(snapshot)
    if newer is not None:
        raise RankingRejected(
            "superseded",
            _(
                "Version %(v)d is superseded by version %(n)d, which is published: "
                "it can no longer be approved or published."
            )
            % {"v": snapshot.version, "n": newer.version},
        )
    newest = newer_version(snapshot)
    if newest is not None:
        raise RankingRejected("newer_version", outdated_message(snapshot.version, newest.version))


def _check_someone_ranked(snapshot: Snapshot, *, nobody_ranked_ok: bool) -> None:
    """Refuse ("nobody_ranked") a version in which no one takes a place unless the caller says it
    means it: its board would be empty, which is nearly always a rule set up wrong (sources,
    period, thresholds) rather than a result to announce."""
    if snapshot.eligible_count == 0 and not nobody_ranked_ok:
        raise RankingRejected(
            "nobody_ranked",
            _(
                "No one takes a place in version %(v)d, so its board would be empty. Check the rule's "
                "sources, period and thresholds and compute again, or confirm that you mean it."
            )
            % {"v": snapshot.version},
        )


@transaction.atomic
def snapshot_approve(*, snapshot: Snapshot, by: User, nobody_ranked_ok: bool = False) -> Snapshot:
    """Approve a draft, as an administrator of the rule's unit and every unit it covers
    ("not_administrator"). Under the rule's four-eyes setting the person who computed it may not:
    a version computed by the background sweep (by nobody) any administrator entitled may. A
    version ranking no one needs `nobody_ranked_ok` ("nobody_ranked").
    Takes the rule's row lock, as a computation writing a newer version does."""
    RankingRule.objects.select_for_update().filter(pk=snapshot.rule_id).first()
    snapshot = Snapshot.objects.select_for_update().select_related("rule").get(pk=snapshot.pk)
    if snapshot.status != Snapshot.Status.DRAFT:
        raise RankingRejected(
            "not_a_draft",
            _("Only a provisional snapshot can be approved; this one is %(s)s.") % {"s": snapshot.get_status_display()},
        )
    _check_administers(snapshot.rule, by)
    _check_not_superseded(snapshot)
    if snapshot.rule.requires_second_approver and snapshot.computed_by_id is not None:
        if snapshot.computed_by_id == by.pk:
            raise RankingRejected(
                "second_approver_required",
                _("You computed this version, so another administrator must approve it (four eyes)."),
            )
    _check_someone_ranked(snapshot, nobody_ranked_ok=nobody_ranked_ok)
    Snapshot.objects.filter(pk=snapshot.pk).update(
        status=Snapshot.Status.APPROVED, approved_by=by, approved_at=timezone.now()
    )
    snapshot.refresh_from_db()
    return snapshot


@transaction.atomic
def snapshot_publish(
    *, snapshot: Snapshot, by: User, reason: str = "", as_it_stands: bool = False, nobody_ranked_ok: bool = False
) -> Snapshot:
    """Publish an approved snapshot, as an administrator of the rule's unit and every unit it
    covers ("not_administrator"). A rule's earlier publication is superseded, which needs a reason.

    When the facts changed since the snapshot was computed, publishing is refused
    ("facts_changed") unless `as_it_stands` says to publish it anyway; else compute again. A
    version ranking no one is refused ("nobody_ranked") unless `nobody_ranked_ok` says so."""
    if "\x00" in reason:  # PostgreSQL refuses it in text: a server error, not a refusal
        raise RankingRejected("reason_invalid", _("The reason may not contain a NUL character."))
    RankingRule.objects.select_for_update().filter(pk=snapshot.rule_id).first()
    snapshot = Snapshot.objects.select_for_update().select_related("rule").get(pk=snapshot.pk)
    if snapshot.status == Snapshot.Status.PUBLISHED:
        raise RankingRejected("already_published", _("This snapshot is already published."))
    _check_administers(snapshot.rule, by)
    _check_not_superseded(snapshot)
    if snapshot.status != Snapshot.Status.APPROVED:
        raise RankingRejected("not_approved", _("Approve the snapshot before publishing it."))
    _check_someone_ranked(snapshot, nobody_ranked_ok=nobody_ranked_ok)
    if not as_it_stands and snapshot_facts_changed(snapshot):
        raise RankingRejected(
            "facts_changed",
            _("Facts changed since version %(v)d was computed: compute again, or publish it as it stands.")
            % {"v": snapshot.version},
        )
    current = Snapshot.objects.filter(rule_id=snapshot.rule_id, status=Snapshot.Status.PUBLISHED).first()
    if current is not None:
        if not reason.strip():
            raise RankingRejected(
                "reason_required",
                _("Version %(v)d is published: say why this one replaces it.") % {"v": current.version},
            )
        Snapshot.objects.filter(pk=current.pk).update(
            status=Snapshot.Status.SUPERSEDED, superseded_by=snapshot, supersede_reason=reason.strip()[:300]
        )
        current.refresh_from_db()
    Snapshot.objects.filter(pk=snapshot.pk).update(
        status=Snapshot.Status.PUBLISHED, published_by=by, published_at=timezone.now()
    )
    snapshot.refresh_from_db()
    notifications.services.results_published(snapshot=snapshot, replaced=current)
    return snapshot
