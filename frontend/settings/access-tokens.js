// /settings/access-tokens: the signed-in person's access tokens for scripts and API clients (a manager:
// the organisation's). Make one (name, scopes, expiry; its secret is shown once, here), see when each
// was last used and from where, and revoke one.

import { confirmDialog } from '../common/confirm-dialog.js';
import { graphql } from '../common/graphql.js';
import { errorMessage, fill, h, loadingMessage } from '../common/dom.js';
import { field, FormErrors, group } from '../common/forms.js';
import { formatDateTime } from '../common/format.js';
import { registerRoute, setPageTitle } from '../common/router.js';

const TOKEN_FIELDS = 'id name scopes createdAt expiresAt lastUsedAt lastUsedFrom ownerName ownerEmail';
const TOKENS_QUERY = `query AccessTokens { viewer { id roles accessTokens { ${TOKEN_FIELDS} } } }`;
const CREATE = `mutation CreateAccessToken($name: String!, $scopes: [TokenScope!]!, $expiresAt: DateTime!) {
  createAccessToken(name: $name, scopes: $scopes, expiresAt: $expiresAt) {
    secret accessToken { ${TOKEN_FIELDS} } errors { field code message }
  }
}`;
const REVOKE = `mutation RevokeAccessToken($id: ID!) {
  revokeAccessToken(id: $id) { accessToken { id } errors { field code message } }
}`;
const LIFETIMES = [
  ['7', '7 days'],
  ['30', '30 days'],
  ['90', '90 days'],
  ['366', 'A year'],
];
const SCOPE_LABELS = { READ: 'Read', WRITE: 'Write' };

function expiryFromNow(days) {
  return new Date(Date.now() + Number(days) * 24 * 60 * 60 * 1000).toISOString();
}

function secretCard(secret) {
  const value = h('input', {
    id: 'access-token-secret',
    type: 'text',
    readonly: true,
    value: secret,
    class: 'input-wide',
    onfocus: (event) => event.target.select(),
  });
  const status = h('p', { class: 'form-status', role: 'status' });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      status.textContent = 'The token is copied.';
    } catch {
      value.select();
      status.textContent = 'Select the token and copy it (Ctrl+C or ⌘C).';
    }
  };
  return h(
    'section',
    { class: 'card', id: 'new-access-token', 'aria-labelledby': 'new-access-token-heading' },
    h('h2', { id: 'new-access-token-heading' }, 'Copy your new token now'),
    h('label', { for: 'access-token-secret' }, 'Token'),
    h('p', { class: 'hint' }, 'It is shown this once. Send it as Authorization: Bearer <token>; keep it secret.'),
    value,
    h('p', { class: 'button-row' }, h('button', { type: 'button', class: 'button', onclick: copy }, 'Copy')),
    status,
  );
}

function scopeChoice() {
  const labels = { READ: 'Read: queries, live updates and downloads', WRITE: 'Read and write: changes too' };
  const radios = ['READ', 'WRITE'].map((value) =>
    h('input', { type: 'radio', name: 'token-scope', id: `token-scope-${value.toLowerCase()}`, value }),
  );
  radios[0].checked = true;
  const element = group({
    id: 'token-scopes',
    legend: 'What it may do',
    controls: radios,
    parts: radios.map((radio) => h('label', { class: 'check', for: radio.id }, radio, ` ${labels[radio.value]}`)),
    className: 'radio-group',
  });
  return { ...element, chosen: () => (radios[1].checked ? ['READ', 'WRITE'] : ['READ']) };
}

function createForm(onCreated) {
  const errors = new FormErrors();
  const name = field({
    label: 'Name',
    hint: 'What uses it, such as “Weekly report script”.',
    control: h('input', { id: 'token-name', type: 'text', maxlength: 100, required: true, autocomplete: 'off' }),
  });
  const lifetime = field({
    label: 'Expires after',
    control: h(
      'select',
      { id: 'token-lifetime' },
      LIFETIMES.map(([days, label]) => h('option', { value: days, selected: days === '30' }, label)),
    ),
  });
  const scopes = scopeChoice();
  errors.add('name', name);
  errors.add('expiresAt', lifetime);
  errors.add('scopes', scopes);
  const submit = h('button', { type: 'submit', class: 'button button-primary' }, 'Make token');
  const form = h(
    'form',
    { class: 'card', id: 'create-access-token', 'aria-labelledby': 'create-access-token-heading', novalidate: true },
    h('h2', { id: 'create-access-token-heading' }, 'Make a token'),
    errors.summary,
    name.element,
    scopes.element,
    lifetime.element,
    h('p', { class: 'button-row' }, submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      const variables = {
        name: name.control.value,
        scopes: scopes.chosen(),
        expiresAt: expiryFromNow(lifetime.control.value),
      };
      const { createAccessToken } = await graphql(CREATE, variables);
      if (errors.show(createAccessToken.errors)) return;
      form.reset();
      onCreated(createAccessToken);
    } catch (error) {
      errors.show([{ field: null, message: `No token was made: ${error.message}` }]);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function lastUsed(token) {
  if (!token.lastUsedAt) return 'Never';
  return `${formatDateTime(token.lastUsedAt)}${token.lastUsedFrom ? ` from ${token.lastUsedFrom}` : ''}`;
}

function revokeButton(token, onRevoked, status) {
  const button = h('button', { type: 'button', class: 'button', 'aria-label': `Revoke ${token.name}` }, 'Revoke');
  button.addEventListener('click', async () => {
    const sure = await confirmDialog({
      id: 'revoke-access-token-dialog',
      title: `Revoke “${token.name}”?`,
      text: 'Whatever uses it is refused from its next request. This cannot be undone.',
      yes: 'Revoke',
    });
    if (!sure) return;
    button.disabled = true;
    try {
      const { revokeAccessToken } = await graphql(REVOKE, { id: token.id });
      if (revokeAccessToken.errors.length) {
        status.textContent = revokeAccessToken.errors.map((e) => e.message).join(' ');
        button.disabled = false;
        return;
      }
      status.textContent = `“${token.name}” is revoked.`;
      onRevoked();
    } catch (error) {
      status.textContent = `“${token.name}” was not revoked: ${error.message}`;
      button.disabled = false;
    }
  });
  return button;
}

function tokenRow(token, showOwner, onRevoked, status) {
  const cell = (label, text) => h('td', { 'data-label': label }, text);
  return h(
    'tr',
    {},
    h('th', { scope: 'row' }, token.name),
    showOwner ? cell('Owner', `${token.ownerName} (${token.ownerEmail})`) : null,
    cell('Scopes', token.scopes.map((scope) => SCOPE_LABELS[scope]).join(', ')),
    cell('Created', formatDateTime(token.createdAt)),
    cell('Expires', formatDateTime(token.expiresAt)),
    cell('Last used', lastUsed(token)),
    h('td', {}, revokeButton(token, onRevoked, status)),
  );
}

function tokenTable(tokens, showOwner, onRevoked, status) {
  if (!tokens.length) return h('p', { id: 'no-access-tokens' }, 'No access tokens yet.');
  const headings = ['Name', ...(showOwner ? ['Owner'] : []), 'Scopes', 'Created', 'Expires', 'Last used', 'Actions'];
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'data-table', id: 'access-tokens' },
      h('caption', { class: 'visually-hidden' }, 'Access tokens'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headings.map((text) => h('th', { scope: 'col' }, text)),
        ),
      ),
      h(
        'tbody',
        {},
        tokens.map((token) => tokenRow(token, showOwner, onRevoked, status)),
      ),
    ),
  );
}

export async function renderAccessTokens(main, ctx) {
  setPageTitle('Access tokens');
  const fresh = h('div', {});
  const status = h('p', { class: 'form-status', role: 'status', id: 'access-tokens-status' });
  const list = h('div', {}, loadingMessage('Loading your access tokens…'));
  async function load() {
    try {
      const { viewer } = await graphql(TOKENS_QUERY, {}, { signal: ctx.signal });
      fill(list, tokenTable(viewer.accessTokens, viewer.roles.includes('MANAGER'), load, status));
    } catch (error) {
      if (ctx.signal?.aborted) return;
      fill(list, errorMessage('Your access tokens could not be loaded.', error, load));
    }
  }
  const form = createForm((created) => {
    fill(fresh, secretCard(created.secret));
    fresh.querySelector('input').focus();
    load();
  });
  main.append(
    h('h1', {}, 'Access tokens'),
    h(
      'p',
      { class: 'hint' },
      'Scripts and API clients sign in with an access token instead of your password. ' +
        'A token sees what you see; read-only tokens cannot change anything. See docs/api.md for the API.',
    ),
    fresh,
    form,
    h(
      'section',
      { 'aria-labelledby': 'access-tokens-heading' },
      h('h2', { id: 'access-tokens-heading' }, 'Tokens'),
      status,
      list,
    ),
  );
  await load();
}

registerRoute('/settings/access-tokens', renderAccessTokens);
