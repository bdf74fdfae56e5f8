// One user: details, the devices it is on, its commands (refreshed while any is under
// way), the update form (PUT) and removal from one device or from all (DELETE).

import { h, fill, slot } from '/console/dom.js';
import { ApiError, errorMessage } from '/console/api.js';
import { confirmDialog } from '/console/modal.js';
import { timeEl } from '/console/time.js';
import { commandsTable, details, empty, fmtNum, isActive, link, paths, section, showError, statusLine } from '/console/ui.js';
import { PRIVILEGES, userFields } from '/console/views/users.js';

const COMMAND_POLL_MS = 2000;

export default function userView(ctx) {
  const id = ctx.params.id;
  const base = `/v1/users/${encodeURIComponent(id)}`;
  const view = { user: null, cancelPoll: null };
  const info = slot();
  const devices = slot();
  const commands = slot();
  const editor = slot();
  const status = statusLine();

  // Everything but the form, which is built once so typing is never overwritten.
  async function load() {
    if (view.cancelPoll) view.cancelPoll();
    view.cancelPoll = null;
    try {
      const user = await ctx.api.get(base, { signal: ctx.signal });
      const first = !view.user;
      view.user = user;
      renderUser(user);
      if (first) fill(editor, updateForm(user));
      if ((user.commands || []).some(isActive)) view.cancelPoll = ctx.later(load, COMMAND_POLL_MS);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return gone();
      showError(info, err);
    }
  }

  function gone() {
    fill(info, empty(`There is no user ${id} (any more).`), link('#/users', 'Back to users'));
    for (const el of [devices, commands, editor]) fill(el, '—');
  }

  function renderUser(user) {
    const privilege = PRIVILEGES.find(([value]) => value === user.privilege);
    fill(info, details([
      ['User id', h('span', { class: 'mono' }, user.user_id)], ['Name', user.name], ['Department', user.department],
      ['Card', user.card], ['Privilege', privilege ? `${privilege[0]} · ${privilege[1]}` : user.privilege],
      ['Templates', fmtNum(user.templates)], ['Created', timeEl(user.created_at)], ['Updated', timeEl(user.updated_at)],
    ]));
    const serials = user.devices || [];
    fill(devices, serials.length
      ? h('ul', { class: 'plain' }, serials.map((serial) => h('li', { class: 'device-item' },
        link(paths.device(serial), serial, { class: 'mono' }), ' ',
        h('button', { type: 'button', class: 'button small danger', 'data-testid': 'user-remove-device', onclick: () => remove(serial) },
          'Remove from this device'))))
      : empty('Not on any device.'));
    const sorted = [...(user.commands || [])].sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
    fill(commands, commandsTable(sorted, { showDevice: true }));
  }

  function updateForm(user) {
    const fields = userFields(user);
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const submit = h('button', { type: 'submit', class: 'button primary', 'data-testid': 'user-save' }, 'Save');
    async function onSubmit(event) {
      event.preventDefault();
      error.hidden = true;
      try {
        const body = fields.read(view.user);
        if (!Object.keys(body).length) return status.set('Nothing changed.');
        submit.disabled = true;
        const res = await ctx.api.put(base, body);
        status.set(`Update sent to ${fmtNum((res && res.commands || []).length)} device(s).`, 'ok');
        load();
      } catch (err) {
        if (err instanceof ApiError && err.handled) return;
        error.textContent = errorMessage(err);
        error.hidden = false;
      } finally {
        submit.disabled = false;
      }
    }
    return h('form', { class: 'stack', onsubmit: onSubmit },
      h('div', { class: 'form-grid' }, fields.node), error, h('div', {}, submit));
  }

  async function remove(serial) {
    const one = Boolean(serial);
    const res = await confirmDialog(
      one ? `Remove ${id} from ${serial}?` : `Delete ${id} everywhere?`,
      one ? 'The user is deleted from that terminal.' : 'The user is deleted from every terminal it is on, and then from the relay.',
      one ? 'Remove' : 'Delete',
      () => ctx.api.del(base, { query: one ? { device_id: serial } : {} }));
    if (!res) return;
    status.set(`delete_user sent to ${fmtNum((res.commands || []).length)} device(s).`, 'ok');
    load();
  }

  load();
  return h('div', { class: 'view' },
    h('p', { class: 'crumbs' }, link('#/users', '← Users')),
    h('h1', {}, 'User ', h('span', { class: 'mono' }, id)),
    status,
    h('div', { class: 'grid' }, section('Details', info), section('Devices', devices)),
    section('Commands', commands),
    section('Update', editor),
    section('Delete',
      h('p', { class: 'muted' }, 'Deletes the user from every terminal it is on, and then its record.'),
      h('button', { type: 'button', class: 'button danger', 'data-testid': 'user-delete', onclick: () => remove(null) }, 'Delete everywhere')));
}
