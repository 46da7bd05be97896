// Moving an upcoming session in the time grid, by dragging it or from the keyboard (M, then arrows, Enter): each
// place it passes is checked against the rules as the server applies them — a new start in the future (R5) and the
// mentor free with a gap around it (R4, from mentorAvailability) — and the reason is shown while moving. A drop
// that fits is saved through updateSession, like the Edit page, and can be undone. The mentors' week moves sessions
// with the same steps (mentor-rows.js), where a row of another mentor is refused for R7.

import { graphql } from '../common/graphql.js';
import { h } from '../common/dom.js';
import { formatDate, formatTime } from '../common/format.js';
import { instantAt, istPlace } from './time-grid.js';

const AVAILABILITY = `query GridAvailability($mentorId: ID!, $from: DateTime!, $to: DateTime!) {
  mentorAvailability(mentorId: $mentorId, from: $from, to: $to) { startsAt endsAt sessionId title sessionStartsAt sessionEndsAt }
}`;
const MOVE = `mutation MoveSession($id: ID!, $input: UpdateSessionInput!) {
  updateSession(id: $id, input: $input, notify: true) { session { id startsAt } errors { field code message } }
}`;
const STEP_MINUTES = 15;
const DAY_MINUTES = 24 * 60;
const DRAG_THRESHOLD_PX = 5;

/** The mentor's busy intervals over the days shown, fetched once per mentor per drawing of the grid. */
function busyOf(session, context) {
  const key = session.mentor.id;
  if (!context.busy.has(key)) {
    const from = instantAt(context.days[0], 0);
    const to = instantAt(context.days[context.days.length - 1], DAY_MINUTES);
    const loading = graphql(AVAILABILITY, { mentorId: key, from, to }).then((data) => {
      context.busyLoaded.set(key, data.mentorAvailability);
      return data.mentorAvailability;
    });
    loading.catch(() => context.busy.delete(key));
    context.busy.set(key, loading);
  }
  return context.busy.get(key);
}

function span(startMs, minutes) {
  const start = new Date(startMs).toISOString();
  return `${formatDate(start)} ${formatTime(start)}–${formatTime(new Date(startMs + minutes * 60_000).toISOString())}`;
}

/** Whether the session may start at `startMs`: { fits, reason }, as the server would answer. */
export function verdict(session, startMs, busy) {
  const endMs = startMs + session.durationMinutes * 60_000;
  if (startMs <= Date.now()) return { fits: false, reason: 'That time has passed: a new start must be in the future.' };
  const clash = busy.find(
    (b) => b.sessionId !== session.id && startMs < Date.parse(b.endsAt) && endMs > Date.parse(b.startsAt),
  );
  if (clash) {
    const theirs = `${formatTime(clash.sessionStartsAt)}–${formatTime(clash.sessionEndsAt)}`;
    return {
      fits: false,
      reason: `${session.mentor.name} is busy: “${clash.title}” ${theirs}, and a mentor needs a gap between sessions.`,
    };
  }
  return { fits: true, reason: `Fits: ${span(startMs, session.durationMinutes)} IST.` };
}

/** The outline of where the session would go, with the verdict written on it. */
function ghostAt(move, context) {
  const column = context.grid().querySelector(`.grid-day[data-day="${move.day}"]`);
  if (!column) return;
  if (!move.ghost) move.ghost = h('div', { class: 'grid-ghost', 'aria-hidden': 'true' }, h('span'));
  move.ghost.style.setProperty('--start', String(move.minute));
  move.ghost.style.setProperty('--length', String(move.session.durationMinutes));
  if (move.ghost.parentElement !== column) column.append(move.ghost);
}

/**
 * R7 as the server words it: a published session keeps its mentor, so another mentor's row is refused whatever the
 * time; null when the place keeps the session's own mentor.
 */
export function mentorRefusal(session, mentor) {
  if (!mentor || mentor.id === session.mentor.id) return null;
  return {
    fits: false,
    reason:
      `The mentor of a published session cannot change: it stays with ${session.mentor.name}. ` +
      `Delete it and create a new session for ${mentor.name} instead.`,
  };
}

function showVerdict(move, context) {
  move.ghost?.classList.toggle('is-refused', !move.result.fits);
  if (move.ghost) move.ghost.firstChild.textContent = move.result.reason;
  context.say(`${move.session.title}: ${move.result.reason}`, { kind: move.result.fits ? 'moving' : 'refused' });
}

/** Check the place now reached (the mentor's busy times may still be loading) and say the verdict. */
export async function judge(move, context) {
  move.draw(move, context);
  const asked = `${move.mentor?.id}|${move.day}|${move.minute}`;
  move.asked = asked;
  const refused = mentorRefusal(move.session, move.mentor);
  if (refused) {
    move.result = refused;
    showVerdict(move, context);
    return;
  }
  let busy;
  try {
    busy = await busyOf(move.session, context);
  } catch (error) {
    move.result = { fits: false, reason: `The mentor’s times could not be checked: ${error.message}` };
    context.say(move.result.reason, { kind: 'problem' });
    return;
  }
  if (move.asked !== asked) return; // it moved on meanwhile
  move.result = verdict(move.session, Date.parse(instantAt(move.day, move.minute)), busy);
  showVerdict(move, context);
}

async function save(session, startsAt, context, { undoTo = null } = {}) {
  context.say(`Moving “${session.title}”…`, { kind: 'moving' });
  let payload;
  try {
    payload = (await graphql(MOVE, { id: session.id, input: { startsAt } })).updateSession;
  } catch (error) {
    context.say(`“${session.title}” was not moved: ${error.message}`, { kind: 'problem' });
    return;
  }
  if (payload.errors.length) {
    context.say(`“${session.title}” was not moved: ${payload.errors.map((e) => e.message).join(' ')}`, {
      kind: 'problem',
    });
    return;
  }
  const moved = { ...session, startsAt };
  const text = `“${session.title}” ${undoTo ? 'moved' : 'moved back'} to ${span(Date.parse(startsAt), session.durationMinutes)} IST.`;
  const undo = undoTo ? () => save(moved, undoTo, context) : null;
  context.say(text, { kind: 'done', undo });
  context.reload();
}

function putDown(move, context) {
  move.ghost?.remove();
  move.block.classList.remove('is-dragging');
  context.shared.moving = false;
}

/** Escape: the session stays where it was. */
export function cancel(move, context) {
  putDown(move, context);
  context.say(`“${move.session.title}” stays where it was.`, { kind: 'done' });
}

/** End a move: save it when it fits and changed, else say why it stays. */
export function drop(move, context) {
  putDown(move, context);
  const startsAt = instantAt(move.day, move.minute);
  // The verdict of the very place it was dropped, if the mentor's times are in (a late answer may be for an earlier one).
  const busy = context.busyLoaded.get(move.session.mentor.id);
  const refused = mentorRefusal(move.session, move.mentor);
  if (refused) move.result = refused;
  else if (busy) move.result = verdict(move.session, Date.parse(startsAt), busy);
  if (context.shared.stale && !(move.result && move.result.fits)) {
    context.shared.stale = false;
    context.reload();
  }
  if (!refused && Date.parse(startsAt) === Date.parse(move.session.startsAt)) {
    context.say(`“${move.session.title}” stays where it was.`, { kind: 'done' });
  } else if (move.result && move.result.fits) {
    save(move.session, startsAt, context, { undoTo: move.session.startsAt });
  } else {
    const reason = move.result ? move.result.reason : 'the mentor’s times were still being checked.';
    context.say(`“${move.session.title}” was not moved: ${reason}`, { kind: 'problem' });
  }
}

/**
 * A move of `session` (its `block` picked up) from where it is: `day`, `minute` and `mentor` follow the pointer or
 * the keys; `draw(move, context)` shows where it would go.
 */
export function newMove(block, session, context, draw = ghostAt) {
  context.shared.moving = true;
  const { day, minute } = istPlace(session.startsAt);
  return { block, session, day, minute, mentor: session.mentor, draw, ghost: null, result: null, asked: null };
}

/** The day column and minute (in steps) under the pointer, keeping where the session was grabbed. */
function pointAt(move, event) {
  const column = document.elementFromPoint(event.clientX, event.clientY)?.closest('.grid-day');
  if (!column) return;
  const rect = column.getBoundingClientRect();
  const minute = ((event.clientY - rect.top) / rect.height) * DAY_MINUTES - move.grabbedAt;
  const latest = DAY_MINUTES - move.session.durationMinutes;
  move.day = column.dataset.day;
  move.minute = Math.min(latest, Math.max(0, Math.round(minute / STEP_MINUTES) * STEP_MINUTES));
}

/** The click that ends a drag (on the session or the slot under it) neither opens the session nor creates one. */
function swallowNextClick() {
  const swallow = (event) => {
    event.preventDefault();
    event.stopPropagation();
  };
  document.addEventListener('click', swallow, { capture: true, once: true });
  // A drop that makes no click (a touch lifted elsewhere) must not eat the next real one.
  setTimeout(() => document.removeEventListener('click', swallow, { capture: true }), 0);
}

/**
 * Follow the pointer from a press on the move's block until it is let go: past a few pixels it is a drag, each new
 * place (read by `pointAt(move, event)`) is judged, and letting go drops it there. A press that does not move is a
 * click (the link opens).
 */
export function followPointer(event, move, context, placeUnder) {
  const origin = { x: event.clientX, y: event.clientY };
  const placeOf = () => `${move.mentor?.id}|${move.day}|${move.minute}`;
  let dragging = false;
  function onMove(moveEvent) {
    if (!dragging && Math.hypot(moveEvent.clientX - origin.x, moveEvent.clientY - origin.y) < DRAG_THRESHOLD_PX) return;
    dragging = true;
    move.block.classList.add('is-dragging');
    const before = placeOf();
    placeUnder(move, moveEvent);
    if (before !== placeOf() || !move.asked) judge(move, context);
  }
  function onUp(upEvent) {
    document.removeEventListener('pointermove', onMove);
    document.removeEventListener('pointerup', onUp);
    if (!dragging) {
      context.shared.moving = false;
      return;
    }
    placeUnder(move, upEvent); // where it was let go, even if the browser merged the last moves away
    swallowNextClick();
    drop(move, context);
  }
  document.addEventListener('pointermove', onMove);
  document.addEventListener('pointerup', onUp);
}

function dragStart(event, block, session, context) {
  if (event.button !== 0) return;
  const move = newMove(block, session, context);
  const rect = block.getBoundingClientRect();
  const column = block.closest('.grid-day').getBoundingClientRect();
  move.grabbedAt = ((event.clientY - rect.top) / column.height) * DAY_MINUTES;
  followPointer(event, move, context, pointAt);
}

const ARROWS = ['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight'];

/**
 * The keyboard's move of a block, in the time grid or the mentors' week: M picks it up (drawn by `draw`), an
 * arrow moves it (`step(move, key)`), Enter puts it down, Escape puts it back.
 */
export function keyMove(event, block, session, context, { step, draw = ghostAt }) {
  const move = block.keyboardMove;
  if (!move) {
    if (event.key !== 'm' && event.key !== 'M') return;
    event.preventDefault();
    block.keyboardMove = newMove(block, session, context, draw);
    block.classList.add('is-dragging');
    judge(block.keyboardMove, context);
  } else if (ARROWS.includes(event.key)) {
    event.preventDefault();
    step(move, event.key);
    judge(move, context);
  } else if (event.key === 'Enter' || event.key === 'Escape') {
    event.preventDefault();
    block.keyboardMove = null;
    if (event.key === 'Enter') drop(move, context);
    else cancel(move, context);
  }
}

/** Arrow keys in the time grid: up and down a quarter of an hour, left and right a day. */
function gridStep(move, key, context) {
  const steps = { ArrowUp: [0, -STEP_MINUTES], ArrowDown: [0, STEP_MINUTES], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
  const [days, minutes] = steps[key];
  const index = Math.min(context.days.length - 1, Math.max(0, context.days.indexOf(move.day) + days));
  move.day = context.days[index];
  move.minute = Math.min(DAY_MINUTES - move.session.durationMinutes, Math.max(0, move.minute + minutes));
}

/** Make a session block movable (it must be upcoming and the viewer allowed to edit it). */
export function startMoving(block, session, context) {
  block.addEventListener('pointerdown', (event) => dragStart(event, block, session, context));
  const step = (move, key) => gridStep(move, key, context);
  block.addEventListener('keydown', (event) => keyMove(event, block, session, context, { step }));
  block.addEventListener('dragstart', (event) => event.preventDefault()); // the link's own drag would fight ours
}
