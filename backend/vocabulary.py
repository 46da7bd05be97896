"""An organisation's managed lists (vocabularies) of categories, "recommended for" values and mediums.

Sessions may only use values of these lists; values coming in are matched to them by
`rules.known_value`. Managers add, rename (on every session too) and remove values here.
"""

from __future__ import annotations

from tortoise.expressions import F, Subquery
from tortoise.transactions import in_transaction

from backend.db import column
from backend.errors import ErrorCode, Refused, UserError
from backend.events import SessionEventKind, publish_sessions
from backend.inputs import control_character_problem, longest
from backend.models import (
    ActivityKind,
    LabelKind,
    Session,
    SessionLabel,
    User,
    VocabularyKind,
    VocabularyValue,
    utcnow,
)
from backend.sessions import history, rules
from backend.sessions.history import Origin

VALUE_MAX = rules.LABEL_MAX
# Values one list may hold: every form shows its list whole, and every session and CSV row is matched
# against it.
VALUES_MAX = 200
LABEL_KINDS = {VocabularyKind.CATEGORY: LabelKind.CATEGORY, VocabularyKind.RECOMMENDED_FOR: LabelKind.RECOMMENDED_FOR}
SINGULAR = {
    VocabularyKind.CATEGORY: "category",
    VocabularyKind.RECOMMENDED_FOR: "“Recommended for” value",
    VocabularyKind.MEDIUM: "medium",
}


async def vocabularies(organization_id: int) -> dict[VocabularyKind, list[str]]:
    """Every list of the organisation, each in display order."""
    found: dict[VocabularyKind, list[str]] = {kind: [] for kind in VocabularyKind}
    rows = VocabularyValue.filter(organization_id=organization_id).order_by("position", "id")
    for kind, value in await rows.values_list("kind", "value"):
        found[VocabularyKind(kind)].append(value)
    return found


def _refuse(field: str | None, code: ErrorCode, message: str) -> Refused:
    return Refused([UserError(field, code, message)])


def _manager(actor: User) -> None:
    if not actor.is_manager:
        raise _refuse(None, ErrorCode.PERMISSION_DENIED, "Only session managers can change the lists of values.")


def _clean(field: str, kind: VocabularyKind, value: str) -> str:
    if problem := control_character_problem(value.strip(), SINGULAR[kind]):
        raise _refuse(field, ErrorCode.INVALID, problem)
    text = " ".join(value.split())
    if not rules.match_key(text):
        raise _refuse(
            field,
            ErrorCode.REQUIRED,
            f"Give the {SINGULAR[kind]} with at least one letter or digit, for example “Life skills”.",
        )
    if len(text) > VALUE_MAX:
        raise _refuse(
            field, ErrorCode.INVALID, f"The value has {len(text)} characters; shorten it to {VALUE_MAX} or fewer."
        )
    return text


async def _find(organization_id: int, kind: VocabularyKind, value: str) -> VocabularyValue | None:
    key = rules.match_key(value)
    if len(key) > longest(VocabularyValue, "match_key"):
        return None  # no value of the list is this long
    return await VocabularyValue.get_or_none(organization_id=organization_id, kind=kind, match_key=key)


async def add_value(actor: User, kind: VocabularyKind, value: str) -> None:
    _manager(actor)
    text = _clean("value", kind, value)
    async with in_transaction():
        existing = await _find(actor.organization_id, kind, text)
        if existing is not None:
            raise _refuse(
                "value",
                ErrorCode.CONFLICT,
                f"“{existing.value}” is already in the list; "
                "values that differ only in case, spaces or punctuation are one value.",
            )
        values = VocabularyValue.filter(organization_id=actor.organization_id, kind=kind)
        if await values.count() >= VALUES_MAX:
            raise _refuse(
                "value",
                ErrorCode.INVALID,
                f"The list of {rules.VOCABULARY_NAMES[kind]} already has {VALUES_MAX} values, the most it may hold; "
                "rename or remove one first.",
            )
        last = await values.order_by("-position").first()
        await VocabularyValue.create(
            organization_id=actor.organization_id,
            kind=kind,
            value=text,
            match_key=rules.match_key(text),
            position=(last.position if last else 0) + 1,
        )


def _not_in_list(kind: VocabularyKind, value: str) -> Refused:
    return _refuse(
        "from",
        ErrorCode.NOT_FOUND,
        f"“{value.strip()[:60]}” is not in the list of {rules.VOCABULARY_NAMES[kind]}; "
        "reload the page and pick it again.",
    )


async def rename_value(origin: Origin, kind: VocabularyKind, old: str, new: str) -> None:
    """Renames the value in the list and on every session of the organisation. Renaming it to another
    value of the list merges the two: its sessions get that value, and it leaves the list. Each session
    renamed on is changed like any other change: a new version, and an entry in its history."""
    actor = origin.person
    _manager(actor)
    text = _clean("to", kind, new)
    respelt: list[int] = []
    async with in_transaction():
        entry = await _find(actor.organization_id, kind, old)
        if entry is None:
            raise _not_in_list(kind, old)
        other = await _find(actor.organization_id, kind, text)
        previous = entry.value
        if other is not None and other.id != entry.id:
            await entry.delete()
            respelt = await _respell(origin, kind, previous, other.value)
        else:
            entry.value, entry.match_key = text, rules.match_key(text)
            await entry.save(update_fields=["value", "match_key"])
            if previous != text:
                respelt = await _respell(origin, kind, previous, text)
    # The sessions now show the new spelling: tell those watching them (live updates).
    await publish_sessions(SessionEventKind.UPDATED, actor.organization_id, respelt)


async def _respell(origin: Origin, kind: VocabularyKind, old: str, new: str) -> list[int]:
    """Every session of the organisation that uses `old` uses `new` instead (once, if it had both); the IDs
    of those sessions that are not deleted."""
    sessions = Session.filter(organization_id=origin.organization_id)
    if kind == VocabularyKind.MEDIUM:
        ids = await column(sessions.filter(medium=old), "id", int)
        await _changed(origin, ids, "medium", old, new)
        await sessions.filter(medium=old).update(medium=new)
        return await column(sessions.filter(id__in=ids, deleted_at__isnull=True), "id", int)
    label_kind = LABEL_KINDS[kind]
    ours = SessionLabel.filter(kind=label_kind, value=old, session_id__in=Subquery(sessions.values("id")))
    ids = await column(ours, "session_id", int)
    await _changed(origin, ids, "categories" if kind == VocabularyKind.CATEGORY else "recommendedFor", [old], [new])
    having_new = Subquery(SessionLabel.filter(kind=label_kind, value=new).values("session_id"))
    await ours.filter(session_id__in=having_new).delete()
    await ours.update(value=new)
    return await column(sessions.filter(id__in=ids, deleted_at__isnull=True).order_by("id"), "id", int)


async def _changed(origin: Origin, ids: list[int], field: str, before: object, after: object) -> None:
    """The sessions count as changed: a new version each, so an edit or a bulk upload planned from the old
    value sees it, and an entry each in their history."""
    now = utcnow()
    await Session.filter(id__in=ids).update(updated_at=now, version=F("version") + 1)
    versions = await Session.filter(id__in=ids).values_list("id", "version")
    change = [{"field": field, "before": before, "after": after}]
    await history.record(
        origin, [history.Entry(i, ActivityKind.UPDATED, version, change) for i, version in versions], now
    )


async def sessions_using(organization_id: int, kind: VocabularyKind, value: str) -> int:
    """How many sessions (not deleted) use the value."""
    sessions = Session.filter(organization_id=organization_id, deleted_at__isnull=True)
    if kind == VocabularyKind.MEDIUM:
        return await sessions.filter(medium=value).count()
    return await sessions.filter(labels__kind=LABEL_KINDS[kind], labels__value=value).count()


async def remove_value(actor: User, kind: VocabularyKind, value: str) -> None:
    """Refused while sessions use the value, saying how many."""
    _manager(actor)
    async with in_transaction():
        entry = await _find(actor.organization_id, kind, value)
        if entry is None:
            raise _not_in_list(kind, value)
        used = await sessions_using(actor.organization_id, kind, entry.value)
        if used:
            sessions = "1 session uses" if used == 1 else f"{used} sessions use"
            raise _refuse(
                "value",
                ErrorCode.CONFLICT,
                f"“{entry.value}” cannot be removed: {sessions} it. Rename it instead, or change those sessions first.",
            )
        await entry.delete()
