// The Workspace overview: what a manager looks at first — live now (with meeting links), today, this
// week's upcoming sessions, sessions with no mentees yet or nearly full, and the last bulk uploads. Each
// card links to the Session list filtered the same way. It stays current with live updates.

import { graphql } from '../common/graphql.js';
import { errorMessage, fill, h, hidden, loadingMessage } from '../common/dom.js';
import { formatDate, formatDateTime, formatTime, PLATFORM_LABELS, plural } from '../common/format.js';
import { statusBadge } from '../list/sessions-list.js';
import { followSessionList } from '../common/live.js';

const IST = '+05:30';
const LIST = '/workspace/sessions';
// Nearly full: at least this share of the seats taken (the API's SessionFilter.nearlyFull says the same).
const NEARLY_FULL = 0.8;
// The two cards of how full sessions are, and the filtered list each links to: exactly the card's sessions.
const NO_MENTEES_LIST = { statuses: 'UPCOMING', menteeCountAtMost: '0' };
const NEARLY_FULL_LIST = { statuses: 'UPCOMING', nearlyFull: 'true' };

const ITEM = 'id title status startsAt endsAt menteeCount seatsLimit seatsLeft mentor { id name }';
const OVERVIEW_QUERY = `query Overview($todayFrom: DateTime!, $todayTo: DateTime!, $now: DateTime!, $weekTo: DateTime!, $withUploads: Boolean!) {
  live: sessions(filter: { statuses: [LIVE] }, pageSize: 20) { totalCount items { ${ITEM} meeting { platform link passcode } } }
  today: sessions(filter: { startsFrom: $todayFrom, startsTo: $todayTo }, pageSize: 20) { totalCount items { ${ITEM} } }
  week: sessions(filter: { statuses: [UPCOMING], startsFrom: $now, startsTo: $weekTo }, pageSize: 10) { totalCount items { ${ITEM} } }
  empty: sessions(filter: { statuses: [UPCOMING], menteeCountAtMost: 0 }, pageSize: 10) { totalCount items { ${ITEM} } }
  full: sessions(filter: { statuses: [UPCOMING], nearlyFull: true }, pageSize: 10) { totalCount items { ${ITEM} } }
  uploads: bulkUploads(pageSize: 5) @include(if: $withUploads) {
    totalCount items { id fileName status dryRun totalRows validRows invalidRows createdAt resultCsvUrl }
  }
}`;

function istDay(date) {
  const [day, month, year] = formatDate(date.toISOString()).split('-');
  return `${year}-${month}-${day}`;
}

function listUrl(params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const each of [].concat(value)) query.append(key, each);
  }
  return `${LIST}?${query}`;
}

function sessionItem(session, ...extra) {
  return h(
    'li',
    { 'data-session-id': session.id },
    h('a', { href: `/sessions/${session.id}`, class: 'session-title' }, session.title),
    ' ',
    statusBadge(session.status),
    h(
      'span',
      { class: 'overview-meta' },
      `${formatDate(session.startsAt)} ${formatTime(session.startsAt)}–${formatTime(session.endsAt)} IST · ${session.mentor.name}`,
    ),
    ...extra,
  );
}

function card({ id, title, count, items, empty, more }) {
  return h(
    'section',
    { class: 'card overview-card', id, 'aria-labelledby': `${id}-heading` },
    h(
      'h2',
      { id: `${id}-heading` },
      title,
      count === null ? null : h('span', { class: 'overview-count' }, String(count)),
    ),
    items.length ? h('ul', {}, items) : h('p', { class: 'muted' }, empty),
    more ? h('a', { href: more.href, class: 'overview-more' }, more.text) : null,
  );
}

function meetingLine(session) {
  const meeting = session.meeting;
  if (meeting.link) {
    return h(
      'span',
      { class: 'overview-meta' },
      h(
        'a',
        { href: meeting.link, target: '_blank', rel: 'noopener noreferrer' },
        `Join on ${PLATFORM_LABELS[meeting.platform]}`,
      ),
      meeting.passcode ? ` · passcode ${meeting.passcode}` : '',
    );
  }
  return h(
    'span',
    { class: 'overview-meta' },
    `${PLATFORM_LABELS[meeting.platform]}: the room opens from the mentor's start`,
  );
}

/**
 * Today (IST, YYYY-MM-DD), now, and the last of the next 7 days — today and the 6 after it, whole IST days — as
 * the overview's query and links use them (`weekTo` is that day's last second).
 */
function overviewPeriod(now) {
  const lastDay = istDay(new Date(now.getTime() + 6 * 24 * 3600 * 1000));
  return { today: istDay(now), nowIso: now.toISOString(), lastDay, weekTo: `${lastDay}T23:59:59${IST}` };
}

function seatsLine(s) {
  return h(
    'span',
    { class: 'overview-meta' },
    `${s.menteeCount} of ${s.seatsLimit} seats taken${s.seatsLeft ? `, ${plural(s.seatsLeft, 'seat')} left` : ', full'}`,
  );
}

function sessionCards(data, { today, nowIso, lastDay }) {
  // Both cards show the first sessions of the list they link to, soonest first, as the list shows them.
  const noMentees = data.empty.items;
  const nearlyFull = data.full.items;
  return [
    card({
      id: 'overview-live',
      title: 'Live now',
      count: data.live.totalCount,
      items: data.live.items.map((s) => sessionItem(s, meetingLine(s))),
      empty: 'No session is live right now.',
      more: { href: listUrl({ statuses: 'LIVE' }), text: 'All live sessions in the list' },
    }),
    card({
      id: 'overview-today',
      title: `Today, ${formatDate(nowIso)}`,
      count: data.today.totalCount,
      items: data.today.items.map((s) => sessionItem(s)),
      empty: 'No sessions today.',
      more: { href: listUrl({ view: 'all', startsFrom: today, startsTo: today }), text: 'Today in the list' },
    }),
    card({
      id: 'overview-week',
      title: 'Upcoming this week',
      count: data.week.totalCount,
      items: data.week.items.map((s) => sessionItem(s)),
      empty: 'No upcoming sessions in the next 7 days.',
      more: {
        href: listUrl({ statuses: 'UPCOMING', startsFrom: today, startsTo: lastDay }),
        text: 'The next 7 days in the list',
      },
    }),
    card({
      id: 'overview-no-mentees',
      title: 'No mentees invited yet',
      count: data.empty.totalCount,
      items: noMentees.slice(0, 10).map((s) => sessionItem(s)),
      empty: 'Every upcoming session has mentees.',
      more: { href: listUrl(NO_MENTEES_LIST), text: 'All upcoming sessions without mentees in the list' },
    }),
    card({
      id: 'overview-nearly-full',
      title: 'Nearly full',
      count: data.full.totalCount,
      items: nearlyFull.slice(0, 10).map((s) => sessionItem(s, seatsLine(s))),
      empty: `No upcoming session has ${Math.round(NEARLY_FULL * 100)}% of its seats taken.`,
      more: { href: listUrl(NEARLY_FULL_LIST), text: 'All nearly full upcoming sessions in the list' },
    }),
  ];
}

function uploadItem(u) {
  return h(
    'li',
    { 'data-upload-id': u.id },
    h('span', { class: 'session-title' }, u.fileName),
    ' ',
    h(
      'span',
      { class: `badge badge-job-${u.status.toLowerCase()}` },
      u.status === 'COMPLETED' ? 'Completed' : u.status[0] + u.status.slice(1).toLowerCase(),
    ),
    h(
      'span',
      { class: 'overview-meta' },
      `${formatDateTime(u.createdAt)} IST · ${u.dryRun ? 'Check only' : 'Upload'} · ${plural(u.totalRows, 'row')}: ${u.validRows} valid, ${u.invalidRows} invalid`,
    ),
    u.resultCsvUrl
      ? h(
          'a',
          { href: u.resultCsvUrl, download: '', class: 'overview-meta' },
          'Result file',
          hidden(` of ${u.fileName}`),
        )
      : null,
  );
}

function uploadsCard(uploads) {
  return card({
    id: 'overview-uploads',
    title: 'Last bulk uploads',
    count: null,
    items: uploads.items.map(uploadItem),
    empty: 'No bulk uploads yet.',
    more: { href: `${LIST}?tab=bulk`, text: 'Bulk upload' },
  });
}

/** Fill `container` with the overview; returns a function that stops its live updates. */
export function mountOverview(container, viewer) {
  const body = h('div', { class: 'overview-grid', id: 'overview' });
  container.append(body);
  let controller = null;

  async function load({ quiet = false } = {}) {
    if (controller) controller.abort();
    controller = new AbortController();
    const { signal } = controller;
    if (!quiet) fill(body, loadingMessage('Loading the overview…'));
    const period = overviewPeriod(new Date());
    const { today, nowIso, weekTo } = period;
    const withUploads = Boolean(viewer && viewer.roles && viewer.roles.includes('MANAGER'));
    let data;
    try {
      const variables = {
        todayFrom: `${today}T00:00:00${IST}`,
        todayTo: `${today}T23:59:59${IST}`,
        now: nowIso,
        weekTo,
        withUploads,
      };
      data = await graphql(OVERVIEW_QUERY, variables, { signal });
    } catch (error) {
      if (signal.aborted) return;
      fill(
        body,
        errorMessage('The overview could not be loaded.', error, () => load()),
      );
      return;
    }
    if (signal.aborted) return;

    const cards = sessionCards(data, period);
    if (data.uploads) cards.push(uploadsCard(data.uploads));
    fill(body, ...cards);
  }

  load();
  const stopLive = followSessionList(body, () => load({ quiet: true }));
  return () => {
    stopLive();
    if (controller) controller.abort();
  };
}
