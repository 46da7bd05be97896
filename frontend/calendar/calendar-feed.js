// /my-calendar: the signed-in person's calendar feed address, to subscribe to in Google Calendar, Outlook
// or Apple Calendar, with Copy and "Make a new address" (the old address then stops working).

import { confirmDialog } from '../common/confirm-dialog.js';
import { graphql } from '../common/graphql.js';
import { errorMessage, fill, h, loadingMessage } from '../common/dom.js';
import { registerRoute, setPageTitle } from '../common/router.js';

const FEED_QUERY = 'query CalendarFeed { viewer { calendarFeedUrl } }';
const RESET = 'mutation ResetCalendarFeed { resetCalendarFeed { url errors { field code message } } }';

function feedCard(url) {
  const address = h('input', {
    id: 'calendar-feed-url',
    type: 'text',
    readonly: true,
    value: url,
    class: 'input-wide',
    'aria-describedby': 'calendar-feed-hint',
    onfocus: (event) => event.target.select(),
  });
  const status = h('p', { class: 'form-status', role: 'status', id: 'calendar-feed-status' });
  const copy = h(
    'button',
    {
      type: 'button',
      class: 'button',
      id: 'copy-calendar-feed',
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(address.value);
          status.textContent = 'The address is copied.';
        } catch {
          address.select();
          status.textContent = 'Select the address and copy it (Ctrl+C or ⌘C).';
        }
      },
    },
    'Copy',
  );
  const reset = h(
    'button',
    {
      type: 'button',
      class: 'button',
      id: 'reset-calendar-feed',
      onclick: async () => {
        const sure = await confirmDialog({
          id: 'reset-calendar-feed-dialog',
          title: 'Make a new address?',
          text: 'Calendars subscribed to the old address stop getting your sessions.',
          yes: 'Make a new address',
        });
        if (!sure) return;
        reset.disabled = true;
        try {
          const { resetCalendarFeed } = await graphql(RESET);
          if (resetCalendarFeed.errors.length) {
            status.textContent = resetCalendarFeed.errors.map((e) => e.message).join(' ');
            return;
          }
          address.value = resetCalendarFeed.url;
          status.textContent = 'A new address is made; the old one no longer works. Subscribe again with the new one.';
        } catch (error) {
          status.textContent = `No new address was made: ${error.message}`;
        } finally {
          reset.disabled = false;
        }
      },
    },
    'Make a new address',
  );
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'calendar-feed-heading' },
    h('h2', { id: 'calendar-feed-heading' }, 'Your sessions in your calendar'),
    h('label', { for: 'calendar-feed-url' }, 'Calendar address'),
    h(
      'p',
      { class: 'hint', id: 'calendar-feed-hint' },
      'Add it as a calendar "from URL" (Google Calendar: Other calendars › From URL; Outlook: ' +
        'Add calendar › Subscribe from web; Apple Calendar: File › New Calendar Subscription). It shows your upcoming ' +
        'sessions and follows every change. Keep it to yourself: anyone with the address sees these sessions.',
    ),
    address,
    h('p', { class: 'button-row' }, copy, ' ', reset),
    status,
  );
}

export async function renderCalendarFeed(main, ctx) {
  setPageTitle('Calendar');
  const body = h('div', {}, loadingMessage('Loading your calendar address…'));
  main.append(h('h1', {}, 'Calendar'), body);
  async function load() {
    try {
      const { viewer } = await graphql(FEED_QUERY, {}, { signal: ctx.signal });
      fill(body, feedCard(viewer.calendarFeedUrl));
    } catch (error) {
      if (ctx.signal?.aborted) return;
      fill(body, errorMessage('Your calendar address could not be loaded.', error, load));
    }
  }
  await load();
}

registerRoute('/my-calendar', renderCalendarFeed);
