// Sign-in: the API key is exchanged for a session cookie (POST /console/session) and is
// kept nowhere: the input is cleared as soon as the form is sent.

import { h } from '/console/dom.js';
import { errorMessage } from '/console/api.js';

export default function signinView({ api, message, onSignedIn }) {
  const input = h('input', {
    id: 'signin-key',
    type: 'password',
    autocomplete: 'off',
    autocapitalize: 'off',
    spellcheck: 'false',
    required: true,
    placeholder: 'sk_live_…',
    'aria-describedby': 'signin-note',
    'data-testid': 'signin-key',
  });
  const error = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'signin-error', hidden: !message }, message || '');
  const submit = h('button', { type: 'submit', class: 'button primary', 'data-testid': 'signin-submit' }, 'Sign in');

  function showError(text) {
    error.textContent = text;
    error.hidden = !text;
  }

  async function onSubmit(event) {
    event.preventDefault();
    const key = input.value.trim();
    input.value = '';
    if (!key) {
      showError('Enter an API key.');
      input.focus();
      return;
    }
    showError('');
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    try {
      const session = await api.post('/console/session', { key }, { session: false });
      onSignedIn(session);
    } catch (err) {
      showError(errorMessage(err));
      submit.disabled = false;
      submit.textContent = 'Sign in';
      input.focus();
    }
  }

  const form = h('form', { class: 'signin-form', onsubmit: onSubmit },
    h('label', { class: 'field', for: 'signin-key' }, h('span', { class: 'field-label' }, 'API key')),
    input,
    error,
    submit,
    h('p', { id: 'signin-note', class: 'field-hint' },
      'The key is exchanged for a session and is not kept: this page stores it nowhere (the relay keeps the session in an HttpOnly cookie). ',
      'A test key (sk_test_…) can read everything and manage webhooks, but cannot change terminals.'));

  queueMicrotask(() => input.focus());
  return h('main', { class: 'signin', id: 'main' },
    h('div', { class: 'signin-card' },
      h('h1', { class: 'signin-title' }, 'punchlink console'),
      h('p', { class: 'muted' }, 'Sign in with an API key of your account.'),
      form));
}
