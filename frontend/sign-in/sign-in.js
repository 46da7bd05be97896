// The sign-in page: email and password, then back to the page the person asked for.

import { graphql } from '../common/graphql.js';
import { h } from '../common/dom.js';
import { navigate, setPageTitle } from '../common/router.js';

const LOGIN = `mutation SignIn($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    user { id name email roles organization { id name } }
    errors { field code message }
  }
}`;

/** Only a path inside this app, so a crafted link cannot send people elsewhere after signing in. */
function safeNext(raw, home) {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/sign-in')) return home;
  return raw;
}

export function renderSignIn(main, ctx) {
  const next = safeNext(ctx.query.get('next'), ctx.home);
  if (ctx.viewer) {
    navigate(next, { replace: true });
    return;
  }
  setPageTitle('Sign in');

  const problem = h('div', { class: 'form-problem', id: 'sign-in-problem', role: 'alert' });
  const email = h('input', {
    id: 'sign-in-email',
    name: 'email',
    type: 'email',
    autocomplete: 'username',
    required: true,
  });
  const password = h('input', {
    id: 'sign-in-password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const submit = h('button', { type: 'submit', class: 'button button-primary' }, 'Sign in');

  async function signIn(event) {
    event.preventDefault();
    problem.replaceChildren();
    email.removeAttribute('aria-invalid');
    password.removeAttribute('aria-invalid');
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    try {
      const { login } = await graphql(LOGIN, { email: email.value.trim(), password: password.value });
      if (login.errors.length) {
        problem.append(h('p', {}, login.errors.map((e) => e.message).join(' ')));
        password.setAttribute('aria-invalid', 'true');
        password.select();
        password.focus();
        return;
      }
      ctx.setViewer(login.user);
      navigate(next, { replace: true });
    } catch (error) {
      problem.append(h('p', {}, `Could not sign in: ${error.message}`));
    } finally {
      submit.disabled = false;
      submit.textContent = 'Sign in';
    }
  }

  main.append(
    h(
      'div',
      { class: 'sign-in' },
      h('h1', {}, 'Sign in to SessionDesk'),
      h('p', { class: 'lead' }, 'Publish, track and correct your mentoring sessions.'),
      h(
        'form',
        { class: 'card form', novalidate: false, onsubmit: signIn, 'aria-describedby': 'sign-in-problem' },
        problem,
        h('div', { class: 'field' }, h('label', { for: 'sign-in-email' }, 'Email'), email),
        h('div', { class: 'field' }, h('label', { for: 'sign-in-password' }, 'Password'), password),
        submit,
      ),
    ),
  );
  email.focus();
}
