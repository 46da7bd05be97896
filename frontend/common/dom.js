// Building DOM elements from plain values, so no screen ever writes untrusted text as HTML.

/**
 * h('a', { href: '/x', class: 'link', onclick: fn }, 'text', child, [more]) → an element.
 * Attributes that are false, null or undefined are left out; true sets an empty attribute.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'value' && 'value' in element) {
      element.value = value;
    } else if (name === 'checked' || name === 'selected') {
      element[name] = Boolean(value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.append(child instanceof Node ? child : String(child));
  }
}

/** Replace an element's content; like replaceChildren, but skips null/false and flattens arrays. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** Text only a screen reader hears. */
export function hidden(text) {
  return h('span', { class: 'visually-hidden' }, text);
}

/** A visible, announced loading line. */
export function loadingMessage(text) {
  return h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

/** An announced error with a "Try again" button that calls `retry`. */
export function errorMessage(text, error, retry) {
  // A request the server refused as malformed (a bad ID in the address) fails the same way every time.
  const retryable = retry && !(error && (error.codes || []).includes('BAD_USER_INPUT'));
  return h(
    'div',
    { class: 'error-box', role: 'alert' },
    h('p', {}, h('strong', {}, text), ' ', error ? error.message : ''),
    retryable ? h('button', { type: 'button', class: 'button', onclick: retry }, 'Try again') : null,
  );
}

/** The breadcrumb trail: `links` ({ text: href }, in order), then the page shown (`current`). */
export function breadcrumbs(links, current) {
  return h(
    'nav',
    { class: 'breadcrumbs', 'aria-label': 'Breadcrumb' },
    h(
      'ol',
      {},
      Object.entries(links).map(([text, href]) => h('li', {}, h('a', { href }, text))),
      h('li', { 'aria-current': 'page' }, current),
    ),
  );
}
