// Webhooks: the endpoints with enable/disable, event filter, secret rotation and delete,
// and the create form. A new secret is shown once, here, and kept nowhere.

import { h, fill, slot } from '/console/dom.js';
import { openDialog, confirmDialog } from '/console/modal.js';
import { errorMessage } from '/console/api.js';
import { timeEl } from '/console/time.js';
import { badge, empty, field, link, paths, section, showError, statusLine, table, td, text } from '/console/ui.js';

// The relay's event catalogue (GET /v1/event-types), fetched once per page load: the relay is
// the one place event types are written.
let catalogue = null;
function eventTypes(ctx) {
  if (!catalogue) {
    catalogue = ctx.api.get('/v1/event-types').then((res) => (res && res.data) || []);
    catalogue.catch(() => { catalogue = null; });
  }
  return catalogue;
}

export default function webhooksView(ctx) {
  const secretArea = h('div', { class: 'secret-area' });
  const list = slot();
  const status = statusLine();
  const endpointPath = (id) => `/v1/webhooks/${encodeURIComponent(id)}`;

  async function load() {
    try {
      const res = await ctx.api.get('/v1/webhooks', { signal: ctx.signal });
      const endpoints = (res && res.data) || [];
      fill(list, endpoints.length
        ? table('Webhook endpoints', ['URL', 'Description', 'Events', 'Per request', 'State', 'Secret', ''], endpoints.map(row))
        : empty('No webhook endpoints yet — add one below.'));
    } catch (err) {
      showError(list, err);
    }
  }

  function row(endpoint) {
    return h('tr', { 'data-testid': 'webhook-row', 'data-endpoint-id': endpoint.id },
      td(link(paths.webhook(endpoint.id), endpoint.url), { class: 'wrap' }),
      td(text(endpoint.description), { class: 'wrap' }),
      td(eventsText(endpoint.events), { class: 'wrap' }),
      td(perRequestText(endpoint.max_events_per_request), { 'data-testid': 'webhook-per-request' }),
      td([badge(endpoint.enabled ? 'enabled' : 'disabled'),
        endpoint.disabled_reason ? h('div', { class: 'field-hint' }, endpoint.disabled_reason) : null]),
      td(endpoint.secret_rotation
        ? ['previous valid until ', timeEl(endpoint.secret_rotation.previous_secret_expires_at)]
        : '—'),
      td(h('div', { class: 'button-row' },
        button(endpoint.enabled ? 'Disable' : 'Enable', 'webhook-toggle', () => toggle(endpoint)),
        button('Edit events', 'webhook-edit', () => editEvents(endpoint)),
        button('Rotate secret', 'webhook-rotate', () => rotate(endpoint)),
        button('Delete', 'webhook-delete', () => remove(endpoint), 'danger'))));
  }

  async function toggle(endpoint) {
    try {
      await ctx.api.patch(endpointPath(endpoint.id), { enabled: !endpoint.enabled });
      status.set(`${endpoint.url} ${endpoint.enabled ? 'disabled' : 'enabled'}.`, 'ok');
      load();
    } catch (err) {
      status.fail(err);
    }
  }

  async function editEvents(endpoint) {
    const picker = eventPicker(ctx, endpoint.events);
    const done = await openDialog({
      title: 'Event filter',
      message: `Which events ${endpoint.url} receives. None checked: every event.`,
      body: picker.node,
      confirmLabel: 'Save',
      onConfirm: () => ctx.api.patch(endpointPath(endpoint.id), { events: picker.values() }),
    });
    if (done) {
      status.set('Event filter saved.', 'ok');
      load();
    }
  }

  async function rotate(endpoint) {
    const res = await openDialog({
      title: 'Rotate the signing secret?',
      message: 'A new secret signs from now on; the current one keeps signing alongside it for 24 hours, so the receiver can switch over.',
      confirmLabel: 'Rotate',
      onConfirm: () => ctx.api.post(`${endpointPath(endpoint.id)}/rotate-secret`),
    });
    if (!res) return;
    showSecret(res.secret, `New secret for ${endpoint.url}`, res.previous_secret_expires_at);
    load();
  }

  async function remove(endpoint) {
    const done = await confirmDialog('Delete this endpoint?',
      `${endpoint.url} stops receiving events, and its delivery log is deleted.`, 'Delete',
      () => ctx.api.del(endpointPath(endpoint.id)));
    if (done) {
      status.set(`${endpoint.url} deleted.`, 'ok');
      load();
    }
  }

  function showSecret(secret, heading, previousUntil) {
    fill(secretArea, secretBox(secret, heading, previousUntil, () => fill(secretArea)));
    secretArea.querySelector('h2').focus();
  }

  load();
  return h('div', { class: 'view' },
    h('h1', {}, 'Webhooks'),
    secretArea,
    status,
    list,
    section('Add an endpoint', createForm(ctx, (created) => {
      showSecret(created.secret, `Endpoint ${created.url} created`);
      load();
    })));
}

function createForm(ctx, onCreated) {
  const url = h('input', { type: 'url', required: true, placeholder: 'https://hr.example.com/webhooks', 'data-testid': 'endpoint-create-url' });
  const description = h('input', { type: 'text', maxlength: '200', 'data-testid': 'endpoint-create-description' });
  // The relay checks the upper bound and says it in its error.
  const perRequest = h('input', { type: 'number', min: '1', step: '1', 'data-testid': 'endpoint-create-per-request' });
  perRequest.setAttribute('value', '1'); // the attribute, so form.reset() brings 1 back
  const picker = eventPicker(ctx, []);
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'button primary', 'data-testid': 'endpoint-create-submit' }, 'Add endpoint');

  async function onSubmit(event) {
    event.preventDefault();
    error.hidden = true;
    submit.disabled = true;
    const body = { url: url.value.trim(), events: picker.values() };
    if (description.value.trim()) body.description = description.value.trim();
    const events = Number(perRequest.value);
    if (perRequest.value !== '' && events !== 1) body.max_events_per_request = events;
    try {
      const created = await ctx.api.post('/v1/webhooks', body);
      form.reset();
      onCreated(created);
    } catch (err) {
      error.textContent = errorMessage(err);
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  }

  const form = h('form', { class: 'stack', onsubmit: onSubmit },
    field('URL', url, 'https, reachable from the relay'),
    field('Description', description),
    field('Events per request', perRequest, '1: each event in its own request; more: batched delivery, what is waiting in one request'),
    picker.node,
    error,
    h('div', {}, submit));
  return form;
}

// Checkboxes of the event catalogue; values() → the checked types ([] = every event).
function eventPicker(ctx, selected) {
  const chosen = new Set(selected || []);
  let boxes = [];
  const choices = slot();
  const node = h('fieldset', { class: 'event-picker', 'data-testid': 'event-picker' },
    h('legend', {}, 'Events (none checked: every event)'), choices);
  eventTypes(ctx).then((types) => {
    boxes = types.map((type) => h('input', { type: 'checkbox', value: type.name, checked: chosen.has(type.name) }));
    fill(choices, boxes.map((box, i) => h('label', { class: 'check', title: types[i].description }, box, ` ${box.value}`)));
  }, (err) => showError(choices, err));
  // Until the catalogue is in, keep the endpoint's current filter rather than widen it.
  return { node, values: () => (boxes.length ? boxes.filter((b) => b.checked).map((b) => b.value) : [...chosen]) };
}

function perRequestText(max) {
  return max > 1 ? `up to ${max} (batched)` : 'one';
}

function eventsText(events) {
  return Array.isArray(events) && events.length ? events.join(', ') : 'all events';
}

function button(label, testid, onclick, kind = '') {
  return h('button', { type: 'button', class: `button small ${kind}`.trim(), 'data-testid': testid, onclick }, label);
}

// The secret, shown once with a copy button; onDone removes it from the page.
function secretBox(secret, heading, previousUntil, onDone) {
  const code = h('code', { class: 'secret', 'data-testid': 'webhook-secret' }, secret || '');
  const copied = h('span', { class: 'field-hint', role: 'status' });
  const copy = h('button', { type: 'button', class: 'button small', 'data-testid': 'webhook-secret-copy' }, 'Copy');
  copy.addEventListener('click', async () => {
    copied.textContent = (await copyText(secret, code)) ? 'Copied.' : 'Select the secret and copy it by hand.';
  });
  return h('div', { class: 'secret-box', role: 'region', 'aria-label': 'New signing secret' },
    h('h2', { tabindex: '-1' }, heading),
    secret
      ? [h('p', {}, 'This signing secret is shown once and will not be shown again: copy it to the receiver now.'),
        h('div', { class: 'secret-row' }, code, copy), copied]
      : h('p', { class: 'form-error' }, 'The relay did not return a secret (a repeated request). Rotate the secret to get a new one.'),
    previousUntil ? h('p', { class: 'muted' }, 'The previous secret keeps signing until ', timeEl(previousUntil), '.') : null,
    h('button', { type: 'button', class: 'button', onclick: onDone }, "I've saved it"));
}

async function copyText(value, element) {
  try {
    await navigator.clipboard.writeText(value);
    return true;
  } catch {
    const range = document.createRange();
    range.selectNodeContents(element);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    try {
      return document.execCommand('copy');
    } catch {
      return false;
    }
  }
}
