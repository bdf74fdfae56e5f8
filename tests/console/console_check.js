// Drives the relay's operator console in Debian's headless Chromium (playwright-core, no
// browser download) as an operator would, and as a hostile page would. Started by
// tests/integration/console_browser_test.cpp against a real relay, agent and zk-sim; exits 0 when
// every check held, 1 with the failed check otherwise. Screenshots go to SCREENSHOT_DIR.
//
// Environment: RELAY_URL, API_KEY (tenant with the terminal), OTHER_KEY (another tenant),
// OTHER_SERIAL (that tenant's terminal), SERIAL (our zk-sim terminal), SIM_CONTROL_URL,
// RECEIVER_URL (a webhook receiver), SCREENSHOT_DIR.
'use strict';

const http = require('node:http');
const path = require('node:path');
const { chromium } = require('playwright-core');

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const RELAY = env('RELAY_URL');
const KEY = env('API_KEY');
const SERIAL = env('SERIAL');
const SIM = env('SIM_CONTROL_URL');
const SHOTS = env('SCREENSHOT_DIR');
const TIMEOUT = 30_000;

let step = 'starting';
const log = (message) => console.log(`console-check: ${message}`);
function check(condition, message) {
  if (!condition) throw new Error(`${step}: ${message}`);
}

async function api(method, route, key, body) {
  const res = await fetch(RELAY + route, {
    method,
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text };
}

async function punch(userId) {
  const res = await fetch(`${SIM}/punches`, {
    method: 'POST', body: JSON.stringify({ user_id: userId, state: 0, verify: 1 }),
  });
  check(res.ok, `zk-sim refused a punch: ${res.status}`);
}

// A page of another origin (another loopback port: the same site, so the browser sends the
// SameSite=Strict cookie along) that tries to act with the operator's session.
function startHostileSite() {
  const page = `<!doctype html><title>hostile</title>
<iframe id="framed" src="${RELAY}/console/"></iframe>
<script>
  window.results = {};
  const target = ${JSON.stringify(`${RELAY}/v1/devices/${SERIAL}/commands`)};
  fetch(target, { method: 'POST', mode: 'no-cors', credentials: 'include',
    headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ type: 'restart' }) })
    .then(() => { window.results.simple = 'sent'; }, (e) => { window.results.simple = String(e); });
  fetch(target, { method: 'POST', credentials: 'include',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': 'guess' },
    body: JSON.stringify({ type: 'restart' }) })
    .then(() => { window.results.cors = 'read'; }, () => { window.results.cors = 'blocked'; });
  fetch(${JSON.stringify(`${RELAY}/console/session`)}, { credentials: 'include' })
    .then((r) => r.text()).then((t) => { window.results.session = t; },
      () => { window.results.session = 'blocked'; });
</script>`;
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(page);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function shot(page, name) {
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  log(`screenshot ${file}`);
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // Failed requests are the console's own to show (and this script makes some on purpose);
    // anything else the page logs as an error (a script error, a CSP violation) is a defect.
    if (message.type() === 'error' && !/^Failed to load resource/.test(message.text())) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  page.on('request', (request) => {
    if (!request.url().startsWith(RELAY) && !request.url().startsWith('data:')) {
      problems.push(`request to another origin: ${request.url()}`);
    }
  });

  try {
    step = 'sign-in with a wrong key';
    await page.goto(`${RELAY}/console/`);
    await page.fill('[data-testid=signin-key]', 'sk_live_0000000000000000');
    await page.click('[data-testid=signin-submit]');
    await page.waitForSelector('[data-testid=signin-error]:not([hidden])');
    check(await page.locator('[data-testid=nav-overview]').count() === 0, 'signed in anyway');
    check(await page.inputValue('[data-testid=signin-key]') === '', 'the key stays in the field');
    await shot(page, 'signin');

    step = 'sign-in';
    await page.fill('[data-testid=signin-key]', KEY);
    await page.click('[data-testid=signin-submit]');
    await page.waitForSelector('[data-testid=nav-overview]');
    const cookies = await context.cookies(RELAY);
    const session = cookies.find((c) => c.name === 'pl_session');
    check(session && session.httpOnly && session.sameSite === 'Strict', `cookie ${JSON.stringify(cookies)}`);
    check(!(await page.evaluate(() => document.cookie)).includes('pl_session'), 'script reads the cookie');
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    check(!stored.includes(KEY), 'the API key is kept in web storage');
    await page.waitForFunction(() => /punches so far today/.test(document.body.innerText));
    await shot(page, 'overview');
    log('signed in');

    step = 'fleet';
    await page.click('[data-testid=nav-fleet]');
    const row = page.locator(`[data-testid=device-row][data-serial="${SERIAL}"]`);
    await row.waitFor();
    await page.waitForSelector(`[data-testid=device-row][data-serial="${SERIAL}"][data-status=online]`);
    const rowText = await row.innerText();
    check(rowText.includes('<img src=x onerror=window.__pwned=1>'), `name not shown as text: ${rowText}`);
    check(await page.evaluate(() => window.__pwned === undefined), 'a device name ran as script');
    check(await page.locator(`[data-testid=device-row][data-serial="${env('OTHER_SERIAL')}"]`).count() === 0,
      "another tenant's terminal is listed");
    await shot(page, 'fleet');
    log('fleet shows the terminal online, its hostile name as text');

    step = 'live feed';
    await page.click('[data-testid=nav-live]');
    await page.waitForFunction(() => /Live: receiving/.test(document.body.innerText));
    await punch('4242');
    const live = page.locator('[data-testid=feed-row]:not([hidden])', { hasText: '4242' });
    await live.first().waitFor({ timeout: TIMEOUT });
    const eventId = await live.first().getAttribute('data-event-id');
    check(eventId && eventId.length > 10, `event id ${eventId}`);
    await shot(page, 'live');
    log(`live feed shows the punch (${eventId})`);

    step = 'unlock from the device page';
    await page.goto(`${RELAY}/console/#/devices/${encodeURIComponent(SERIAL)}`);
    await page.click('[data-testid=device-unlock]');
    const confirm = page.locator('[data-testid=confirm]');
    if (await confirm.count()) await confirm.click();
    await page.waitForSelector('[data-testid=command-row][data-state=succeeded]');
    const state = await (await fetch(`${SIM}/state`)).json();
    check(state.counters && state.counters.unlocks === 1, `zk-sim unlocks: ${JSON.stringify(state.counters)}`);
    await shot(page, 'device');
    log('the terminal unlocked its door');

    step = 'restart needs confirming';
    await page.click('[data-testid=device-restart]');
    await page.waitForSelector('dialog[open]');
    await page.keyboard.press('Escape');
    await page.waitForSelector('dialog[open]', { state: 'detached' }).catch(() => {});
    const commands = await api('GET', `/v1/devices/${SERIAL}/commands`, KEY);
    check(!commands.json.data.some((c) => c.type === 'restart'), 'restart sent without confirmation');

    step = 'webhook endpoint';
    await page.click('[data-testid=nav-webhooks]');
    await page.fill('[data-testid=endpoint-create-url]', env('RECEIVER_URL'));
    await page.fill('[data-testid=endpoint-create-description]', 'browser test receiver');
    await page.fill('[data-testid=endpoint-create-per-request]', '20');
    await page.waitForSelector('[data-testid=event-picker] input[value="attendance.punch"]');
    await page.click('[data-testid=endpoint-create-submit]');
    const secret = await page.locator('[data-testid=webhook-secret]').innerText();
    check(/^whsec_|^[A-Za-z0-9_+/=-]{20,}$/.test(secret.trim()), `secret shown: ${secret}`);
    const perRequest = await page.locator('[data-testid=webhook-row]', { hasText: env('RECEIVER_URL') })
      .locator('[data-testid=webhook-per-request]').innerText();
    check(perRequest.includes('up to 20'), `the list shows events per request as: ${perRequest}`);
    await shot(page, 'webhooks');
    await punch('4343');
    let arrived = false;
    for (let i = 0; i < 60 && !arrived; i++) {
      arrived = (await api('GET', `/v1/logs?start_date=2000-01-01&user_id=4343`, KEY)).json.data.length > 0;
      if (!arrived) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    check(arrived, 'the punch made on the terminal never reached the relay');
    const endpoint = page.locator('[data-testid=webhook-row]', { hasText: env('RECEIVER_URL') });
    await endpoint.locator('a').first().click();
    await page.waitForSelector('[data-testid=delivery-row]');
    let delivered = false;
    for (let i = 0; i < 30 && !delivered; i++) {
      delivered = await page.locator('[data-testid=delivery-row][data-state=delivered]').count() > 0;
      if (!delivered) {
        await page.waitForTimeout(1000);
        await page.reload();
        await page.waitForSelector('[data-testid=delivery-row]');
      }
    }
    check(delivered, 'no delivery shows as delivered');
    const hook = (await api('GET', '/v1/webhooks', KEY)).json.data.find((e) => e.url === env('RECEIVER_URL'));
    check(hook.max_events_per_request === 20, `events per request not saved: ${hook.max_events_per_request}`);
    const deliveredRow = page.locator('[data-testid=delivery-row][data-state=delivered]').first();
    const deliveryId = await deliveredRow.getAttribute('data-delivery-id');
    await deliveredRow.locator('[data-testid=delivery-resend]').click();
    await page.waitForFunction(() => /queued again/.test(document.body.innerText));
    let attempts = 0;
    for (let i = 0; i < 30 && attempts < 2; i++) {
      const one = await api('GET', `/v1/webhooks/${hook.id}/deliveries/${deliveryId}`, KEY);
      attempts = (one.json && one.json.attempts || []).length;
      if (attempts < 2) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    check(attempts >= 2, `the resent delivery was not attempted again (${attempts} attempts)`);
    await shot(page, 'webhook');
    log('endpoint created, delivered to, and resent from the console');

    step = 'tenant isolation and CSRF from the page';
    const probes = await page.evaluate(async ({ other, serial }) => {
      const status = async (p, init) => (await fetch(p, init)).status;
      return {
        other: await status(`/v1/devices/${encodeURIComponent(other)}`),
        noToken: await status(`/v1/devices/${encodeURIComponent(serial)}/commands`, {
          method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"type":"restart"}',
        }),
      };
    }, { other: env('OTHER_SERIAL'), serial: SERIAL });
    check(probes.other === 404, `another tenant's terminal answered ${probes.other}`);
    check(probes.noToken === 403, `a write without the CSRF token answered ${probes.noToken}`);

    step = 'a hostile page of another origin';
    const hostile = await startHostileSite();
    const attacker = await context.newPage();
    await attacker.goto(`http://127.0.0.1:${hostile.address().port}/`);
    const settled = await attacker.waitForFunction(() => window.results && window.results.simple && window.results.cors && window.results.session, null, { timeout: TIMEOUT })
      .then(() => true, () => false);
    const results = await attacker.evaluate(() => window.results);
    check(settled, `the hostile page's requests did not all settle: ${JSON.stringify(results)}`);
    check(results.cors === 'blocked', `the relay let another origin read an answer: ${JSON.stringify(results)}`);
    check(results.session === 'blocked', `another origin read the session (and its token): ${results.session}`);
    const framed = attacker.frames().find((f) => f.url().includes('/console/'));
    const framedText = framed ? await framed.evaluate(() => document.body ? document.body.innerText : '').catch(() => '') : '';
    check(!framedText.includes('Sign out'), 'the console rendered inside another site\'s frame');
    await attacker.close();
    hostile.close();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = await api('GET', `/v1/devices/${SERIAL}/commands`, KEY);
    check(!after.json.data.some((c) => c.type === 'restart'), `a hostile page restarted the terminal: ${after.text}`);
    log('another origin could neither act nor read');

    step = 'narrow screen';
    await page.setViewportSize({ width: 375, height: 812 });
    await page.click('[data-testid=nav-fleet]');
    await page.waitForSelector(`[data-testid=device-row][data-serial="${SERIAL}"]`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 1, `the page scrolls sideways by ${overflow}px at 375px`);
    await shot(page, 'fleet-narrow');
    await page.setViewportSize({ width: 1280, height: 860 });

    step = 'sign-out';
    await page.click('[data-testid=signout]');
    await page.waitForSelector('[data-testid=signin-key]');
    const afterSignOut = await page.evaluate(async () => (await fetch('/v1/devices')).status);
    check(afterSignOut === 401, `after sign-out the API answered ${afterSignOut}`);
    log('signed out; the session is gone');

    check(problems.length === 0, problems.join('\n'));
    log('all checks passed');
  } catch (error) {
    await shot(page, 'failure').catch(() => {});
    throw error;
  } finally {
    await browser.close();
  }
}

main().then(() => process.exit(0), (error) => {
  console.error(`console-check: FAILED at ${step}: ${error.stack || error}`);
  process.exit(1);
});
