// The history of a session's changes, for managers: how one change reads (who, how, when, each field
// before → after) and the timeline card of the Session details page. The Activity page
// (workspace/activity.js) lists the organisation's changes with the same pieces.

import { graphql } from '../common/graphql.js';
import { errorMessage, fill, h, hidden, loadingMessage } from '../common/dom.js';
import { icon } from '../common/icons.js';
import { formatDateTime } from '../common/format.js';

export const ENTRY = `id sessionId sessionTitle actorName at kind channel bulkUploadId rowNumber version
  changes { field before after }`;

export const KIND_LABELS = {
  CREATED: 'Created',
  UPDATED: 'Edited',
  MEETING_CHANGED: 'Meeting changed',
  MENTEES_CHANGED: 'Mentees changed',
  DELETED: 'Deleted',
  RESTORED: 'Restored',
  STARTED: 'Started',
  ENDED: 'Ended',
};
const FIELD_LABELS = {
  title: 'Title',
  description: 'Description',
  startsAt: 'Start',
  durationMinutes: 'Duration (minutes)',
  timeZone: 'Time zone',
  medium: 'Medium',
  seatsLimit: 'Seats limit',
  remindersEnabled: 'Reminders',
  'meeting.platform': 'Meeting platform',
  'meeting.link': 'Meeting link',
  'meeting.passcode': 'Meeting passcode',
  image: 'Image',
  status: 'Status',
  categories: 'Categories',
  recommendedFor: 'Recommended for',
  mentees: 'Mentees',
};

/** How a change came: "in the browser", "by bulk upload 12, row 412". */
export function channelText(entry) {
  if (entry.channel === 'BULK_UPLOAD')
    return `by bulk upload ${entry.bulkUploadId}${entry.rowNumber ? `, row ${entry.rowNumber}` : ''}`;
  return (
    { BROWSER: 'in the browser', API: 'through the API', COMMAND_LINE: 'on the command line', SYSTEM: 'automatically' }[
      entry.channel
    ] || entry.channel
  );
}

function valueText(name, value) {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) return value.length ? value.join(', ') : '—';
  if (name === 'startsAt') return `${formatDateTime(value)} IST`;
  if (typeof value === 'boolean') return value ? 'On' : 'Off';
  return String(value);
}

/** One entry's field changes as a list: "Title: Old → New". */
export function changesList(entry) {
  if (!entry.changes.length) return null;
  return h(
    'ul',
    { class: 'change-list' },
    entry.changes.map((change) =>
      h(
        'li',
        { 'data-field': change.field },
        h('span', { class: 'change-field' }, `${FIELD_LABELS[change.field] || change.field}: `),
        entry.kind === 'CREATED' ? null : h('del', {}, valueText(change.field, change.before)),
        entry.kind === 'CREATED' ? null : h('span', { class: 'change-arrow' }, icon('became'), hidden(' to ')),
        h('ins', {}, valueText(change.field, change.after)),
      ),
    ),
  );
}

export function entryHeadline(entry) {
  return [
    h('strong', {}, KIND_LABELS[entry.kind] || entry.kind),
    ' by ',
    entry.actorName,
    ` ${channelText(entry)}, `,
    h('time', { datetime: entry.at }, `${formatDateTime(entry.at)} IST`),
    h('span', { class: 'muted small' }, ` · version ${entry.version}`),
  ];
}

// The organisation's activity for one session (the same entries as Session.history, one level less deep).
const TIMELINE = `query SessionTimeline($id: ID!, $page: Int!) {
  activity(filter: { sessionId: $id }, page: $page, pageSize: 20) { totalCount items { ${ENTRY} } }
}`;

/** A session's changes, newest first (managers): a card that loads itself; `reload()` draws it again. */
export function sessionTimeline(sessionId) {
  const body = h('div', { id: 'session-timeline-body' }, loadingMessage('Loading the history…'));
  const element = h(
    'section',
    { class: 'card', id: 'session-timeline', 'aria-labelledby': 'timeline-heading' },
    h('h2', { id: 'timeline-heading' }, 'History'),
    body,
  );
  async function reload() {
    let history;
    try {
      ({ activity: history } = await graphql(TIMELINE, { id: sessionId, page: 1 }));
    } catch (error) {
      fill(body, errorMessage('The history could not be loaded.', error, reload));
      return;
    }
    if (!history || !history.items.length) {
      fill(body, h('p', { class: 'muted' }, 'No changes recorded yet.'));
      return;
    }
    fill(
      body,
      h(
        'ol',
        { class: 'timeline' },
        history.items.map((entry) =>
          h(
            'li',
            { class: 'timeline-entry', 'data-kind': entry.kind },
            h('p', {}, ...entryHeadline(entry)),
            changesList(entry),
          ),
        ),
      ),
      history.totalCount > history.items.length
        ? h(
            'p',
            {},
            h(
              'a',
              { href: `/workspace/activity?sessionId=${encodeURIComponent(sessionId)}` },
              `All ${history.totalCount} changes`,
            ),
          )
        : null,
    );
  }
  reload();
  return { element, reload };
}
