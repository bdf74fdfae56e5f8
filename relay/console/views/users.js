// Users: the list (paged, searchable over what is loaded) and the enroll form
// (POST /v1/users sends an enroll_user command to the chosen terminal).

import { h, fill, slot } from '/console/dom.js';
import { errorMessage } from '/console/api.js';
import { timeEl } from '/console/time.js';
import { empty, field, link, numTd, paths, section, showError, statusLine, table, td, text } from '/console/ui.js';

const PAGE = 100;
export const PRIVILEGES = [[0, 'User'], [2, 'Enroller'], [6, 'Manager'], [14, 'Admin']];
const MAX_CARD = 4294967295;

export default function usersView(ctx) {
  const view = { users: [], cursor: null, loaded: false };
  const search = h('input', { type: 'search', placeholder: 'id, name or department', 'data-testid': 'users-search', oninput: render });
  const list = slot();
  const more = h('button', { type: 'button', class: 'button', hidden: true, 'data-testid': 'users-more', onclick: () => load(true) }, 'Load more');
  const status = statusLine();

  async function load(append) {
    more.disabled = true;
    try {
      const res = await ctx.api.get('/v1/users', { signal: ctx.signal, query: { limit: PAGE, cursor: append ? view.cursor : null } });
      const page = (res && res.data) || [];
      view.users = append ? view.users.concat(page) : page;
      view.cursor = res && res.has_more ? res.next_cursor : null;
      view.loaded = true;
      more.hidden = !view.cursor;
      render();
    } catch (err) {
      showError(list, err);
    } finally {
      more.disabled = false;
    }
  }

  function render() {
    if (!view.loaded) return;
    if (!view.users.length) return fill(list, empty('No users yet — enroll one below, or they appear as terminals report them.'));
    const term = search.value.trim().toLowerCase();
    const shown = term
      ? view.users.filter((u) => [u.user_id, u.name, u.department].some((v) => String(v || '').toLowerCase().includes(term)))
      : view.users;
    fill(list,
      h('p', { class: 'muted' }, `${shown.length} of ${view.users.length} loaded users${view.cursor ? ' (more to load)' : ''}`),
      shown.length
        ? table('Users', ['User id', 'Name', 'Department', { label: 'Templates', num: true }, 'Updated'], shown.map((u) =>
          h('tr', { 'data-testid': 'user-row', 'data-user-id': u.user_id },
            td(link(paths.user(u.user_id), u.user_id, { class: 'mono' })), td(text(u.name)), td(text(u.department)),
            numTd(u.templates), td(timeEl(u.updated_at)))))
        : empty('No loaded user matches the search.'));
  }

  load(false);
  return h('div', { class: 'view' },
    h('h1', {}, 'Users'),
    h('div', { class: 'filters' }, field('Search', search)),
    status,
    list,
    more,
    section('Enroll a user', enrollForm(ctx, (res) => {
      status.set(`Enrollment of ${res.user_id} on ${res.device_id}: command ${res.command_id} ${res.status}.`, 'ok');
      load(false);
    })));
}

function enrollForm(ctx, onEnrolled) {
  const device = h('select', { required: true, 'data-testid': 'enroll-device' }, h('option', { value: '' }, 'Loading devices…'));
  const userId = h('input', { type: 'text', required: true, maxlength: '23', autocomplete: 'off', 'data-testid': 'enroll-user-id' });
  const fields = userFields({});
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'button primary', 'data-testid': 'enroll-submit' }, 'Enroll');

  ctx.api.get('/v1/devices', { signal: ctx.signal }).then((res) => {
    const devices = ((res && res.data) || []).filter((d) => d.registration !== 'pending');
    fill(device, h('option', { value: '' }, devices.length ? 'Choose a device' : 'No registered devices'),
      devices.map((d) => h('option', { value: d.serial_number }, d.name ? `${d.name} (${d.serial_number})` : d.serial_number)));
  }, (err) => fill(device, h('option', { value: '' }, `Devices could not be loaded: ${errorMessage(err)}`)));

  async function onSubmit(event) {
    event.preventDefault();
    error.hidden = true;
    submit.disabled = true;
    try {
      const body = { device_id: device.value, user_id: userId.value.trim(), ...fields.read() };
      const res = await ctx.api.post('/v1/users', body);
      form.reset();
      onEnrolled(res);
    } catch (err) {
      error.textContent = errorMessage(err);
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  }

  const form = h('form', { class: 'stack', onsubmit: onSubmit },
    h('div', { class: 'form-grid' }, field('Device', device), field('User id', userId, 'as on the terminal, not "0"'), fields.node),
    error,
    h('div', {}, submit));
  return form;
}

// The optional user fields; read() → only the fields given (throws on a bad card number),
// or with `changedFrom`, only those that differ from it (a cleared field sends null).
export function userFields(initial) {
  const name = h('input', { type: 'text', maxlength: '23', autocomplete: 'off', value: initial.name || '', 'data-testid': 'user-name' });
  const department = h('input', { type: 'text', maxlength: '100', autocomplete: 'off', value: initial.department || '', 'data-testid': 'user-department' });
  const card = h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'off', value: initial.card === undefined || initial.card === null ? '' : String(initial.card), 'data-testid': 'user-card' });
  const privilege = h('select', { 'data-testid': 'user-privilege' },
    PRIVILEGES.map(([value, label]) => h('option', { value: String(value), selected: value === (initial.privilege ?? 0) }, `${value} · ${label}`)));
  const password = h('input', { type: 'password', maxlength: '8', autocomplete: 'new-password', 'data-testid': 'user-password' });

  function cardValue() {
    const value = card.value.trim();
    if (!value) return null;
    if (!/^\d+$/.test(value) || Number(value) > MAX_CARD) throw new Error(`Card: a number from 0 to ${MAX_CARD}.`);
    return Number(value);
  }

  function read(changedFrom) {
    const values = {
      name: name.value.trim() || null,
      department: department.value.trim() || null,
      card: cardValue(),
      privilege: Number(privilege.value),
      password: password.value || null,
    };
    const body = {};
    for (const [key, value] of Object.entries(values)) {
      if (!changedFrom) {
        if (value !== null) body[key] = value;
      } else if (key === 'password') {
        if (value !== null) body[key] = value; // empty: unchanged
      } else if (value !== (changedFrom[key] === '' || changedFrom[key] === undefined ? null : changedFrom[key])) {
        body[key] = key === 'name' || key === 'department' ? value ?? '' : value;
      }
    }
    return body;
  }

  const node = [
    field('Name', name), field('Department', department), field('Card', card, 'card number, digits only'),
    field('Privilege', privilege), field('Password', password, initial.user_id ? 'empty: unchanged; up to 8 characters' : 'up to 8 characters'),
  ];
  return { node, read };
}
