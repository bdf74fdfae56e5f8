'use strict';
// Standard Webhooks receiver (https://www.standardwebhooks.com/), verified with the reference npm
// library `standardwebhooks`: new Webhook(secret).verify(rawBody, headers).
//
// Env: PORT (required; 0 = any free port), RECORD_FILE (required),
//      WEBHOOK_SECRETS (required; comma-separated "whsec_<base64 key>" values, e.g. old,new during
//      a secret rotation; a request is accepted if it verifies under ANY of them).
//
// Any path, POST only. 204 (no body) if verified, else 401 {"error": "<reason>"}; non-POST -> 405.
// The library also enforces its 5-minute webhook-timestamp tolerance ("Message timestamp too
// old/new"), so a relay that re-sends an old delivery must re-sign it with a fresh timestamp.
//
// One record line per request, written BEFORE the response is sent:
//   {"kind":"request","status":..,"verified":bool,"webhook_id":..,"event_id":..,
//    "batch_event_ids":<the events' ids of a batched request, else null>,"event_type":..,
//    "signature":..,"error":<reason, only when not verified>}
// Stdout: "listening <port>" once the socket is bound.

const fs = require('fs');
const http = require('http');
const { Webhook } = require('standardwebhooks');

function fail(msg) {
  process.stderr.write(`standard_receiver: ${msg}\n`);
  process.exit(2);
}

function requireEnv(name) {
  const v = process.env[name];
  if (v === undefined || v === '') fail(`environment variable ${name} is required`);
  return v;
}

const port = Number.parseInt(requireEnv('PORT'), 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`bad PORT ${process.env.PORT}`);
const recordFd = fs.openSync(requireEnv('RECORD_FILE'), 'a');

const webhooks = requireEnv('WEBHOOK_SECRETS')
  .split(',')
  .map((s) => s.trim())
  .filter((s) => s.length > 0)
  .map((secret, i) => {
    try {
      return new Webhook(secret);
    } catch (err) {
      return fail(`WEBHOOK_SECRETS entry #${i + 1} is not a valid secret: ${err.message}`);
    }
  });
if (webhooks.length === 0) fail('WEBHOOK_SECRETS contains no secret');

function record(obj) {
  fs.writeSync(recordFd, JSON.stringify(obj) + '\n');
}

function headerOrNull(req, name) {
  const v = req.headers[name];
  return v === undefined ? null : v;
}

function parsedBody(raw) {
  try {
    const body = JSON.parse(raw.toString('utf8'));
    if (body && typeof body === 'object' && !Array.isArray(body)) return body;
  } catch (_) {
    // not JSON
  }
  return null;
}

function eventIdOf(raw) {
  const body = parsedBody(raw);
  return body && body.event_id !== undefined ? body.event_id : null;
}

// A batched request ({"event":"batch","events":[...]}) carries its events' ids inside.
function batchEventIdsOf(raw) {
  const body = parsedBody(raw);
  if (!body || body.event !== 'batch' || !Array.isArray(body.events)) return null;
  return body.events.map((e) => (e && e.event_id !== undefined ? e.event_id : null));
}

function send(res, status, obj) {
  if (obj === undefined) {
    res.writeHead(status); // 204: no body, no Content-Length (RFC 9110 15.3.5)
    res.end();
    return;
  }
  const payload = Buffer.from(JSON.stringify(obj));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) });
  res.end(payload);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('error', () => {});
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    const base = {
      kind: 'request',
      webhook_id: headerOrNull(req, 'webhook-id'),
      event_id: eventIdOf(raw),
      batch_event_ids: batchEventIdsOf(raw),
      event_type: headerOrNull(req, 'x-event-type'),
      signature: headerOrNull(req, 'webhook-signature'),
    };

    if (req.method !== 'POST') {
      record({ ...base, status: 405, verified: false, error: `method ${req.method} not allowed` });
      res.setHeader('Allow', 'POST');
      send(res, 405, { error: 'Method not allowed' });
      return;
    }

    let verified = false;
    let lastError = 'no secret configured';
    for (const wh of webhooks) {
      try {
        wh.verify(raw, req.headers);
        verified = true;
        break;
      } catch (err) {
        lastError = err && err.message ? err.message : String(err);
      }
    }

    if (verified) {
      record({ ...base, status: 204, verified: true });
      send(res, 204);
    } else {
      record({ ...base, status: 401, verified: false, error: lastError });
      send(res, 401, { error: lastError });
    }
  });
});

server.on('error', (err) => fail(`listen failed: ${err.message}`));
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
