// Fleet: every device with its state, filters by site and state, and registration of
// pending devices (POST /v1/devices).

import { h, fill, slot } from '/console/dom.js';
import { openDialog } from '/console/modal.js';
import { timeEl } from '/console/time.js';
import {
  badge, deviceState, empty, field, fmtDrift, fmtNum, link, numTd, paths, showError, statusLine, table, td, text,
} from '/console/ui.js';

const REFRESH_MS = 30000;
const NO_SITE = 'none';
const COLUMNS = [
  'State', 'Serial', 'Name', 'Site', 'Last seen', 'Firmware',
  { label: 'Users', num: true }, { label: 'Records', num: true }, { label: 'Storage', num: true },
  { label: 'Clock drift', num: true }, { label: 'Missing', num: true }, '',
];

export default function fleetView(ctx) {
  const view = { devices: null };
  const siteSelect = h('select', { 'data-testid': 'fleet-site', onchange: render }, h('option', { value: '' }, 'All sites'));
  const stateSelect = h('select', { 'data-testid': 'fleet-status', onchange: render },
    [['', 'Any state'], ['online', 'Online'], ['offline', 'Offline'], ['pending', 'Pending']]
      .map(([value, label]) => h('option', { value }, label)));
  const body = slot();
  const status = statusLine();

  async function load() {
    try {
      const res = await ctx.api.get('/v1/devices', { signal: ctx.signal });
      view.devices = (res && res.data) || [];
      updateSites();
      render();
    } catch (err) {
      showError(body, err);
    }
  }

  async function poll() {
    await load();
    ctx.later(poll, REFRESH_MS);
  }

  function updateSites() {
    const chosen = siteSelect.value;
    const sites = [...new Set(view.devices.map((d) => d.site).filter(Boolean))].sort();
    const hasUnassigned = view.devices.some((d) => !d.site);
    fill(siteSelect, h('option', { value: '' }, 'All sites'),
      sites.map((site) => h('option', { value: `site:${site}` }, site)),
      hasUnassigned ? h('option', { value: NO_SITE }, 'No site yet') : null);
    siteSelect.value = [...siteSelect.options].some((o) => o.value === chosen) ? chosen : '';
  }

  function matches(device) {
    const site = siteSelect.value;
    if (site === NO_SITE && device.site) return false;
    if (site.startsWith('site:') && device.site !== site.slice(5)) return false;
    return !stateSelect.value || deviceState(device) === stateSelect.value;
  }

  function render() {
    if (!view.devices) return;
    if (!view.devices.length) return fill(body, empty('No devices yet — they appear when an agent reports them.'));
    const shown = view.devices.filter(matches);
    fill(body,
      h('p', { class: 'muted' }, `${shown.length} of ${view.devices.length} devices`),
      shown.length ? table('Devices', COLUMNS, shown.map(row)) : empty('No devices match these filters.'));
  }

  function row(device) {
    const state = deviceState(device);
    const clock = device.clock || {};
    const missing = device.reconciliation ? device.reconciliation.missing : undefined;
    const drifting = typeof clock.drift_s === 'number' && typeof clock.threshold_s === 'number' &&
      Math.abs(clock.drift_s) > clock.threshold_s;
    return h('tr', { 'data-testid': 'device-row', 'data-serial': device.serial_number, 'data-status': state },
      td(badge(state)),
      td(link(paths.device(device.serial_number), device.serial_number, { class: 'mono' })),
      td(text(device.name)),
      td(text(device.site)),
      td(timeEl(device.last_seen, 'relative')),
      td(text(device.firmware)),
      numTd(device.users),
      numTd(device.logs),
      td(text(device.storage), { class: 'num' }),
      td(fmtDrift(clock.drift_s), { class: drifting ? 'num text-warn' : 'num' }),
      typeof missing === 'number' ? td(fmtNum(missing), { class: missing > 0 ? 'num text-error' : 'num' }) : td('—', { class: 'num' }),
      td(state === 'pending'
        ? h('button', { type: 'button', class: 'button small', 'data-testid': 'device-register', onclick: () => register(device) }, 'Register')
        : null));
  }

  async function register(device) {
    const name = h('input', { name: 'name', maxlength: '100', value: device.name || '', autocomplete: 'off' });
    const location = h('input', { name: 'location', maxlength: '200', value: device.location || '', autocomplete: 'off' });
    const done = await openDialog({
      title: `Register ${device.serial_number}`,
      message: 'Registering a pending device adds it to your fleet.',
      body: h('div', { class: 'form-grid' }, field('Name', name), field('Location', location)),
      confirmLabel: 'Register',
      onConfirm: () => ctx.api.post('/v1/devices', {
        serial_number: device.serial_number,
        name: name.value.trim(),
        location: location.value.trim(),
      }),
    });
    if (done) {
      status.set(`Registered ${device.serial_number}.`, 'ok');
      load();
    }
  }

  poll();
  return h('div', { class: 'view' },
    h('h1', {}, 'Fleet'),
    h('div', { class: 'filters' }, field('Site', siteSelect), field('State', stateSelect)),
    status,
    body);
}
