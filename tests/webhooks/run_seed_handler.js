'use strict';
// Harness that runs seed_handler.js (the guide's "Production Webhook Handler (Node.js)", verbatim)
// WITHOUT changing it:
//   - globalThis.db   : in-memory stand-in for the three SQL statements the handler issues;
//   - app.listen(3000): redirected to 127.0.0.1:$PORT (PORT=0 picks a free port);
//   - every request   : one {"kind":"request",...} record line when the response finishes.
//
// Env: PORT (required), RECORD_FILE (required), WEBHOOK_SECRET (read by the seed code itself),
//      DB_LATENCY_MS (optional, default 0: each db.query resolves after this many ms, like a real
//      database round trip; >0 lets concurrent duplicate deliveries interleave between the
//      handler's SELECT and INSERT, exposing its check-then-insert race).
//
// Stdout: "listening <port>" once the socket is bound.
//
// Note: the seed code is NOT hardened. Errors thrown inside its async route (signature header
// missing or not 64 chars -> timingSafeEqual/Buffer.from throw; an event without user/punch/device
// -> TypeError) become unhandled promise rejections, which terminate Node >= 15. This harness
// deliberately does not catch them, so tests observe what a real deployment of the guide would do.

const fs = require('fs');
const http = require('http');
const path = require('path');

function requireEnv(name) {
  const v = process.env[name];
  if (v === undefined || v === '') {
    process.stderr.write(`run_seed_handler: environment variable ${name} is required\n`);
    process.exit(2);
  }
  return v;
}

const port = Number.parseInt(requireEnv('PORT'), 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`run_seed_handler: bad PORT ${process.env.PORT}\n`);
  process.exit(2);
}
const recordFd = fs.openSync(requireEnv('RECORD_FILE'), 'a');
const dbLatencyMs = Number.parseInt(process.env.DB_LATENCY_MS || '0', 10) || 0;

// One JSON object per line; writeSync on an O_APPEND fd hands the whole line to the kernel at once.
function record(obj) {
  fs.writeSync(recordFd, JSON.stringify(obj) + '\n');
}

// ---- in-memory database ---------------------------------------------------------------------
const processedEvents = new Set();
const attendance = [];

function norm(sql) {
  return String(sql).replace(/\s+/g, ' ').trim();
}

function runQuery(sql, params) {
  const s = norm(sql);
  const p = Array.isArray(params) ? params : [];
  if (/^SELECT 1 FROM processed_events WHERE event_id = \?$/i.test(s)) {
    return processedEvents.has(p[0]) ? [{ 1: 1 }] : [];
  }
  if (/^INSERT INTO attendance ?\(employee_id, punch_type, punch_time, device_id\) ?VALUES ?\(\?, \?, \?, \?\)$/i.test(s)) {
    const row = { employee_id: p[0], punch_type: p[1], punch_time: p[2], device_id: p[3] };
    attendance.push(row);
    record({ kind: 'attendance', ...row });
    return { affectedRows: 1, insertId: attendance.length };
  }
  if (/^INSERT INTO processed_events ?\(event_id\) ?VALUES ?\(\?\)$/i.test(s)) {
    // A real table would have event_id as PRIMARY KEY; the seed code never relies on that, so a
    // duplicate insert (possible only through the race above) is recorded, not rejected.
    processedEvents.add(p[0]);
    record({ kind: 'processed', event_id: p[0] === undefined ? null : p[0] });
    return { affectedRows: 1 };
  }
  throw new Error(`in-memory db: unsupported SQL: ${s}`);
}

globalThis.db = {
  async query(sql, params) {
    if (dbLatencyMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, dbLatencyMs));
    }
    return runQuery(sql, params);
  },
};

// ---- express patches (same module instance that seed_handler.js will require) ----------------
const express = require('express');

// Every app created by express() gets the request recorder as its first middleware, so it wraps
// the seed's express.json() and route, including 400/401/404/413 answers.
const originalInit = express.application.init;
express.application.init = function init(...args) {
  const ret = originalInit.apply(this, args);
  this.use(function recordRequest(req, res, next) {
    res.on('finish', () => {
      const body = req.body;
      const eventId =
        body && typeof body === 'object' && !Array.isArray(body) && body.event_id !== undefined
          ? body.event_id
          : null;
      record({ kind: 'request', status: res.statusCode, event_id: eventId });
    });
    next();
  });
  return ret;
};

// app.listen(3000) -> 127.0.0.1:$PORT
express.application.listen = function listen() {
  const server = http.createServer(this);
  server.on('error', (err) => {
    process.stderr.write(`run_seed_handler: listen failed: ${err.message}\n`);
    process.exit(1);
  });
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write(`listening ${server.address().port}\n`);
  });
  return server;
};

require(path.join(__dirname, 'seed_handler.js'));
