// Reads the whole attendance log with node-zklib (the npm client) for the benchmark.
// Usage: node node_read.js PORT
'use strict';
const ZKLib = require('node-zklib');

(async () => {
  const zk = new ZKLib('127.0.0.1', Number(process.argv[2]), 60000, 0);
  await zk.createSocket();
  const logs = await zk.getAttendances();
  console.log(`records=${logs.data.length}`);
  await zk.disconnect();
  process.exit(0);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
