// An Invoke API endpoint that accepts every asynchronous invocation (202) and does nothing
// with it: what the invokers' fan-out is timed against. Logs its port; GET /count says how
// many invocations it accepted.
import http from 'node:http';

let accepted = 0;
const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/count') return res.end(String(accepted));
  req.resume();
  req.on('end', () => {
    ++accepted;
    res.writeHead(202, { 'Content-Type': 'application/json', 'Content-Length': '0' });
    res.end();
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.log(`sink listening on 127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
