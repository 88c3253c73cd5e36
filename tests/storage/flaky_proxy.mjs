// A fault-injecting HTTP proxy for S3 tests: it forwards every request to an S3 server
// (s3rver, which cannot fail on purpose), except the first N whose "METHOD /path?query"
// matches a regular expression: those it answers itself with an S3 error (503 SlowDown by
// default), as a throttled or overloaded S3 would.
//
//   node flaky_proxy.mjs --upstream http://127.0.0.1:PORT --match REGEX [--count N]
//                        [--status 503] [--code SlowDown] [--delay-ms MS]
//
// --count -1 fails every matching request; --count 0 none (a plain proxy). --delay-ms holds
// each request that long before passing it on, as a distant S3's first-byte latency would.
// It listens on a free loopback port and prints "flaky proxy listening on 127.0.0.1:PORT"
// when ready, then lines per request: "injected 503 SlowDown: GET /bkt/key", or
// "forwarded GET /bkt/key -> 206" when the answer starts and "done GET /bkt/key 206 N bytes"
// when its N body bytes have been passed on (benchmarks count bytes fetched with these).
import http from 'node:http';

function parseArgs(argv) {
  const args = {
    count: 1,
    status: 503,
    code: 'SlowDown',
    match: null,
    upstream: null,
    'delay-ms': 0,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    if (!(name in args) || i + 1 >= argv.length) {
      throw new Error(`unknown or incomplete argument ${argv[i]}`);
    }
    args[name] = argv[i + 1];
  }
  if (!args.upstream || !args.match) throw new Error('--upstream and --match are required');
  args.count = Number(args.count);
  args.status = Number(args.status);
  args['delay-ms'] = Number(args['delay-ms']);
  args.match = new RegExp(args.match);
  args.upstream = new URL(args.upstream);
  return args;
}

const args = parseArgs(process.argv.slice(2));
let injected = 0;

function errorDocument(code, resource) {
  return '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<Error><Code>${code}</Code><Message>Injected by the test proxy: please reduce ` +
      `your request rate.</Message><Resource>${resource}</Resource>` +
      '<RequestId>flaky-proxy</RequestId></Error>';
}

const server = http.createServer((req, res) => {
  const line = `${req.method} ${req.url}`;
  if (args.match.test(line) && (args.count < 0 || injected < args.count)) {
    ++injected;
    console.log(`injected ${args.status} ${args.code}: ${line}`);
    const body = errorDocument(args.code, req.url);
    req.resume();
    res.writeHead(args.status, {
      'Content-Type': 'application/xml',
      'Content-Length': Buffer.byteLength(body),
    });
    // A HEAD answer has no body, as S3's has none.
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  if (args['delay-ms'] > 0) {
    req.pause();
    setTimeout(() => forward(req, res, line), args['delay-ms']);
  } else {
    forward(req, res, line);
  }
});

function forward(req, res, line) {
  const upstream = http.request(
      {
        host: args.upstream.hostname,
        port: args.upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        console.log(`forwarded ${line} -> ${answer.statusCode}`);
        let bytes = 0;
        answer.on('data', (chunk) => bytes += chunk.length);
        answer.on('end', () => console.log(`done ${line} ${answer.statusCode} ${bytes} bytes`));
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      });
  upstream.on('error', (err) => {
    // The S3 server is gone: the client sees its connection dropped, as it would without us.
    console.log(`upstream error for ${line}: ${err.message}`);
    res.destroy();
  });
  req.pipe(upstream);
}

server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => {
  console.log(`flaky proxy listening on 127.0.0.1:${server.address().port}`);
});
