// Live updates: one websocket to /graphql speaking graphql-transport-ws, shared by every screen.
//
// - `subscribe(query, variables, { next, error, complete })` runs a GraphQL subscription; returns a stop function.
// - `onSessionEvent(handler)` hears every sessionEvents message (one subscription shared by all screens).
// - `onReconnect(handler)` runs after the connection came back, or after the server said events were missed
//   (EVENTS_MISSED: it lost its database connection a while): what a screen shows may be stale, refetch it.
// - `followSessionList(container, reload)` and `followSession(id, handlers)` are what the list and the
//   details page plug in.
// The connection is signed in by the browser's cookie, opened when the first subscription starts and
// re-established with growing pauses (1 s … 30 s) when it drops. <html data-live="on|connecting|off">
// and the header's "Live" indicator show its state.

import { announce } from './notice.js';

const PROTOCOL = 'graphql-transport-ws';
export const LIVE_RECONNECTED_EVENT = 'sessiondesk:live-reconnected';

const SESSION_EVENTS = `subscription SessionEvents {
  sessionEvents { kind sessionId sessionIds session { id title status canEdit canDelete } }
}`;
// After EVENTS_MISSED, the subscription starts again this long later (the server may still be catching up).
const RESUBSCRIBE_MS = 1000;

let socket = null;
let acknowledged = false;
let everConnected = false;
let nextId = 1;
let retries = 0;
let reconnectTimer = null;
let closeTimer = null;
const operations = new Map();
const sessionHandlers = new Set();
let stopSessionEvents = null;

function socketUrl() {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
}

function setState(state) {
  document.documentElement.dataset.live = state;
  const indicator = document.getElementById('live-status');
  if (!indicator) return;
  indicator.hidden = state === 'idle';
  indicator.className = `live-status live-${state}`;
  indicator.textContent = state === 'on' ? 'Live' : state === 'connecting' ? 'Connecting…' : 'Offline, reconnecting…';
  indicator.title =
    state === 'on'
      ? 'Changes made by others appear here as they happen.'
      : 'Live updates are paused; the page catches up when the connection is back.';
}

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function sendSubscribe(id, operation) {
  send({ id, type: 'subscribe', payload: { query: operation.query, variables: operation.variables || {} } });
}

function connect() {
  clearTimeout(reconnectTimer);
  reconnectTimer = null;
  if (!operations.size) {
    setState('idle');
    return;
  } // every screen stopped listening meanwhile
  setState('connecting');
  const ws = new WebSocket(socketUrl(), PROTOCOL);
  socket = ws;
  acknowledged = false;
  ws.addEventListener('open', () => send({ type: 'connection_init', payload: {} }));
  ws.addEventListener('message', (event) => {
    if (ws !== socket) return;
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    const operation = message.id ? operations.get(message.id) : null;
    switch (message.type) {
      case 'connection_ack': {
        acknowledged = true;
        const reconnected = everConnected;
        everConnected = true;
        retries = 0;
        for (const [id, op] of operations) sendSubscribe(id, op);
        setState('on');
        if (reconnected) document.dispatchEvent(new CustomEvent(LIVE_RECONNECTED_EVENT));
        break;
      }
      case 'ping':
        send({ type: 'pong' });
        break;
      case 'next':
        if (operation && operation.next) operation.next(message.payload);
        break;
      case 'error':
        operations.delete(message.id);
        if (operation && operation.error) operation.error(message.payload);
        break;
      case 'complete':
        operations.delete(message.id);
        if (operation && operation.complete) operation.complete();
        break;
      default:
    }
  });
  ws.addEventListener('close', (event) => {
    if (ws !== socket) return;
    socket = null;
    acknowledged = false;
    if (!operations.size) {
      setState('idle');
      return;
    }
    // 4403: not signed in (the sign-in expired); the app sends the person to sign in, which ends the screens.
    // 1008: this person has too many connections open (LIVE_MAX_CONNECTIONS): retry slowly until one closes.
    setState('off');
    const pause = Math.min(30_000, 1000 * 2 ** retries) * (event.code === 4403 || event.code === 1008 ? 5 : 1);
    retries += 1;
    reconnectTimer = setTimeout(connect, pause);
  });
}

/** Run a subscription; answers a function that stops it. */
export function subscribe(query, variables, handlers = {}) {
  const id = String(nextId++);
  operations.set(id, { query, variables, ...handlers });
  clearTimeout(closeTimer);
  if (!socket && !reconnectTimer) connect();
  else if (acknowledged) sendSubscribe(id, operations.get(id));
  return () => {
    if (!operations.delete(id)) return;
    if (acknowledged) send({ id, type: 'complete' });
    // Moving between screens stops one subscription and starts another: keep the socket a moment.
    if (!operations.size) closeTimer = setTimeout(disconnect, 5000);
  };
}

/** Close the connection (after signing out or in as someone else); the next subscription opens a new one. */
export function disconnect() {
  clearTimeout(reconnectTimer);
  clearTimeout(closeTimer);
  reconnectTimer = null;
  const ws = socket;
  socket = null;
  acknowledged = false;
  everConnected = false;
  if (ws) ws.close(1000, 'Signed out');
  if (!operations.size) setState('idle');
  else connect();
}

function startSessionEvents() {
  let missed = false;
  stopSessionEvents = subscribe(
    SESSION_EVENTS,
    {},
    {
      next: (payload) => {
        const codes = (payload.errors || []).map((e) => (e.extensions || {}).code);
        // Refused: this person has too many tabs or connections open (LIVE_MAX_SUBSCRIPTIONS); say so.
        const refused = (payload.errors || []).find((e) => (e.extensions || {}).code === 'TOO_MANY_SUBSCRIPTIONS');
        if (refused) announce(refused.message, { kind: 'problem' });
        missed = codes.includes('EVENTS_MISSED');
        if (!payload.data || !payload.data.sessionEvents) return;
        for (const each of [...sessionHandlers]) each(payload.data.sessionEvents);
      },
      // Ended by the server: the sign-in is gone (the next screen that listens starts it again), or changes
      // were missed (start again, and every screen reads what it shows again).
      error: () => {
        stopSessionEvents = null;
      },
      complete: () => {
        stopSessionEvents = null;
        if (!missed) return;
        setTimeout(() => {
          if (sessionHandlers.size && !stopSessionEvents) startSessionEvents();
          document.dispatchEvent(new CustomEvent(LIVE_RECONNECTED_EVENT));
        }, RESUBSCRIBE_MS);
      },
    },
  );
}

/**
 * Hear every session event the viewer may see: handler({ kind, sessionId, sessionIds, session }). An event
 * about many sessions at once (a bulk upload's batch) has sessionId and session null, and sessionIds.
 * Returns a stop function.
 */
export function onSessionEvent(handler) {
  sessionHandlers.add(handler);
  if (!stopSessionEvents) startSessionEvents();
  return () => {
    sessionHandlers.delete(handler);
    if (!sessionHandlers.size && stopSessionEvents) {
      stopSessionEvents();
      stopSessionEvents = null;
    }
  };
}

export function onReconnect(handler) {
  document.addEventListener(LIVE_RECONNECTED_EVENT, handler);
  return () => document.removeEventListener(LIVE_RECONNECTED_EVENT, handler);
}

/**
 * Follow a bulk upload through `bulkUploadProgress` until it is COMPLETED or FAILED: `progress(upload)` for
 * every message; resolves with the last upload (null when stopped by `signal`), rejects on an error.
 */
export function followBulkUpload(id, fields, signal, progress) {
  return new Promise((resolve, reject) => {
    let last = null;
    const stop = subscribe(
      `subscription BulkUploadProgress($id: ID!) { bulkUploadProgress(id: $id) { ${fields} } }`,
      { id },
      {
        next: (payload) => {
          if (payload.errors && payload.errors.length) {
            stop();
            reject(new Error(payload.errors.map((e) => e.message).join(' ')));
            return;
          }
          last = payload.data.bulkUploadProgress;
          progress(last);
        },
        error: (errors) =>
          reject(new Error((errors || []).map((e) => e.message).join(' ') || 'The progress could not be followed.')),
        complete: () => resolve(last),
      },
    );
    signal.addEventListener(
      'abort',
      () => {
        stop();
        resolve(null);
      },
      { once: true },
    );
  });
}

// Sessions deleted from this page: their deletion is told by whoever deleted them, not again by the list.
const deletedHere = new Set();

/** Say that this page is deleting session `id` (before asking the server, whose event may come first). */
export function deletingHere(id) {
  deletedHere.add(String(id));
}

/**
 * Keep a list of sessions current: `reload()` runs (at most every 1.5 s, a moment after a burst of
 * events) after any change the viewer may see — a session may have joined or left the list — and after
 * a reconnection. A shown session that was deleted is announced by its title.
 */
export function followSessionList(container, reload) {
  let timer = null;
  let lastRun = 0;
  function schedule() {
    clearTimeout(timer);
    const wait = Math.max(250, 1500 - (Date.now() - lastRun));
    timer = setTimeout(() => {
      lastRun = Date.now();
      reload();
    }, wait);
  }
  const stopEvents = onSessionEvent((event) => {
    if (event.kind === 'DELETED') {
      for (const id of event.sessionIds) {
        const row = container.querySelector(`[data-session-id="${CSS.escape(id)}"]`);
        if (row && !deletedHere.has(id)) {
          const title = row.querySelector('.session-title');
          const name = title ? `“${title.textContent.trim()}”` : `Session ${id}`;
          announce(`${name} (ID ${id}) was deleted and has left the list.`);
        }
      }
    }
    schedule();
  });
  const stopReconnect = onReconnect(schedule);
  return () => {
    clearTimeout(timer);
    stopEvents();
    stopReconnect();
  };
}

/**
 * Follow one session: `changed()` after any change of it (and after a reconnection); `deleted()` when it is
 * deleted — a moment later, so a deletion made on this very page (which leaves the page) is not told twice.
 */
export function followSession(sessionId, { changed, deleted }) {
  let stopped = false;
  const stopEvents = onSessionEvent((event) => {
    if (!event.sessionIds.includes(String(sessionId))) return;
    if (event.kind === 'DELETED')
      setTimeout(() => {
        if (!stopped) deleted();
      }, 1000);
    else changed(event);
  });
  const stopReconnect = onReconnect(() => changed(null));
  return () => {
    stopped = true;
    stopEvents();
    stopReconnect();
  };
}

setState('idle');
