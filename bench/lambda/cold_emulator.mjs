// A Lambda where every invocation is a cold start: each asynchronous invocation (202) runs in
// a new process of BOOTSTRAP, whose Runtime API this script serves on a port of its own; the
// process is killed once it has answered. For each invocation it records, in ms from the
// process's exec: the first GET /next (init) and the POST of the response (the task's result
// is in Redis by then). GET /timings returns them all; the bootstrap's output goes to stderr.
// Usage: node cold_emulator.mjs BOOTSTRAP      (the environment is passed on)
import http from 'node:http';
import { spawn } from 'node:child_process';

const [, , bootstrap] = process.argv;
const timings = [];

function now() { return Number(process.hrtime.bigint()) / 1e6; }

function coldStart(payload) {
  const t = { exec: now(), next: null, result: null };
  const runtime = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'GET' && req.url.endsWith('/invocation/next')) {
        if (t.next !== null) return;  // the second /next: leave it waiting, the process is killed
        t.next = now() - t.exec;
        res.writeHead(200, { 'Lambda-Runtime-Aws-Request-Id': `cold-${timings.length}`,
                             'Lambda-Runtime-Deadline-Ms': String(Date.now() + 60000) });
        return res.end(payload);
      }
      t.result = now() - t.exec;
      t.outcome = Buffer.concat(chunks).toString().slice(0, 200);
      res.writeHead(202);
      res.end();
      child.kill('SIGKILL');
      runtime.close();
      timings.push(t);
    });
  });
  let child;
  runtime.listen(0, '127.0.0.1', () => {
    t.exec = now();
    child = spawn(bootstrap, [], {
      env: { ...process.env, AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${runtime.address().port}`,
             AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  });
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', c => chunks.push(c));
  req.on('end', () => {
    if (req.method === 'GET' && req.url === '/timings') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify(timings));
    }
    res.writeHead(202);
    res.end();
    coldStart(Buffer.concat(chunks).toString());
  });
});
server.listen(0, '127.0.0.1', () => console.error(`cold emulator listening on 127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
