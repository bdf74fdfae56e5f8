// Drives a third-party ZK client (node-zklib or zkteco-js, from npm) against a terminal and
// prints what it read as JSON, so the peers tests can compare it with zk-sim's own state.
// Usage: node peer_check.js <node-zklib|zkteco-js> <port> <info|users|attendance|realtime> [count]
'use strict';

const [clientName, portText, op, countText] = process.argv.slice(2);
const port = Number(portText);
const wanted = Number(countText || 1);

function fail(error) {
  console.log(JSON.stringify({ error: String(error && (error.message || error.toString())) }));
  process.exit(1);
}

function iso(date) {
  // Both libraries build JS Dates from device-local fields in the process's zone; the tests run
  // with TZ=UTC so the wall-clock fields survive unchanged.
  const d = new Date(date);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
         `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

async function main() {
  let zk;
  if (clientName === 'node-zklib') {
    const ZKLib = require('node-zklib');
    zk = new ZKLib('127.0.0.1', port, 10000, 0);
  } else if (clientName === 'zkteco-js') {
    const Zkteco = require('zkteco-js');
    zk = new Zkteco('127.0.0.1', port, 10000, 0);
  } else {
    fail(`unknown client ${clientName}`);
  }
  await zk.createSocket();
  const transport = zk.connectionType;
  const out = { client: clientName, transport };
  if (op === 'info') {
    out.info = await zk.getInfo();
    if (clientName === 'zkteco-js') {
      out.serial = await zk.getSerialNumber();
      out.name = await zk.getDeviceName();
      out.firmware = (await zk.getFirmware()).replace(/\0/g, '').trim();
      out.platform = await zk.getPlatform();
    }
  } else if (op === 'users') {
    const users = await zk.getUsers();
    out.users = users.data.map((u) => ({ uid: u.uid, user_id: u.userId, name: u.name,
                                          card: u.cardno, role: u.role }));
  } else if (op === 'attendance') {
    const logs = await zk.getAttendances();
    out.records = logs.data.map((r) => ({
      user_id: String(r.deviceUserId !== undefined ? r.deviceUserId : r.user_id),
      time: iso(r.recordTime !== undefined ? r.recordTime : r.record_time),
    }));
  } else if (op === 'realtime') {
    out.events = [];
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, 15000);
      zk.getRealTimeLogs((event) => {
        out.events.push({ user_id: String(event.userId), time: iso(event.attTime) });
        if (out.events.length >= wanted) {
          clearTimeout(timer);
          resolve();
        }
      });
      // Tell the test it may inject punches now.
      process.stderr.write('registered\n');
    });
  } else {
    fail(`unknown operation ${op}`);
  }
  console.log(JSON.stringify(out));
  await zk.disconnect();
  process.exit(0);
}

main().catch(fail);
