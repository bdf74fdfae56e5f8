// A webhook receiver as fast as Node's HTTP server gets: reads each request's body, answers
// 200 in one write, keeps connections alive. Prints "listening <port>" once ready and the
// number of requests it answered when it gets SIGTERM. Used by bench/throughput.sh.
'use strict';
const http = require('http');

let requests = 0;
const server = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    requests += 1;
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '2' });
    res.end('ok');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
process.on('SIGTERM', () => {
  console.log(`answered ${requests}`);
  process.exit(0);
});
