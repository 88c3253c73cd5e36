// A Lambda emulator for one custom-runtime function, for tests and benchmarks: npm
// @vercel/fun runs DIR/bootstrap as the function's instances and serves each its Runtime API;
// this script adds the Invoke API in front of it on 127.0.0.1:PORT.
//
//   node lambda_emulator.mjs PORT NAME DIR      (PORT 0: any free port, logged)
//
//   POST /2015-03-31/functions/NAME/invocations   X-Amz-Invocation-Type: RequestResponse
//                                                 (default), Event (202) or DryRun (204)
//   POST /2014-11-13/functions/NAME/invoke-async/ the deprecated InvokeAsync API (202)
//   POST /test/throttle?count=N                   the next N invocations get 429
//                                                 TooManyRequestsException, as AWS throttles
//   GET  /test/stats                              {"accepted", "legacy", "throttled",
//                                                 "completed", "failed"} invocation counts
//                                                 (legacy: of the accepted, by InvokeAsync)
//
// Another function name gets 404 ResourceNotFoundException, as from AWS. The function's
// environment is this process's, without the names Lambda reserves (which fun refuses).
// fun runs at most 10 instances at once; Event invocations wait for a free one.
import {createFunction} from '@vercel/fun';
import http from 'node:http';

const [, , port, name, dir] = process.argv;
const reserved = new Set([
  'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN', 'TZ'
]);
const variables = Object.fromEntries(Object.entries(process.env).filter(([k]) => !reserved.has(k)));
const fn = await createFunction({
  FunctionName: name,
  Code: {Directory: dir},
  Handler: 'bootstrap',
  Runtime: 'provided',
  MemorySize: Number(process.env.LAMBDA_EMULATOR_MEMORY_MB || 1024),
  Region: 'us-east-1',
  Environment: {Variables: variables},
});

const stats = {
  accepted: 0,
  legacy: 0,
  throttled: 0,
  completed: 0,
  failed: 0
};
let throttleNext = 0;

// fun gives up waiting for a free instance after 5 s: wait longer, as Lambda's queue does.
async function run(Payload) {
  for (;;) {
    try {
      return await fn.invoke({InvocationType: 'RequestResponse', Payload});
    } catch (e) {
      if (!/timed out/i.test(String(e && e.message))) throw e;
    }
  }
}

function reply(res, status, headers, body) {
  res.writeHead(status, headers);
  res.end(body);
}

const invoke = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const invokeAsync = /^\/2014-11-13\/functions\/([^/]+)\/invoke-async\/?$/;
const server = http.createServer(async (req, res) => {
  const [path, query] = req.url.split('?');
  if (req.method === 'GET' && path === '/test/stats') {
    return reply(res, 200, {'Content-Type': 'application/json'}, JSON.stringify(stats));
  }
  if (req.method === 'POST' && path === '/test/throttle') {
    throttleNext = Number(new URLSearchParams(query).get('count') || 0);
    return reply(res, 204, {}, '');
  }
  const m = req.method === 'POST' && (invoke.exec(path) || invokeAsync.exec(path));
  const chunks = [];
  for await (const c of req) chunks.push(c);
  if (!m || decodeURIComponent(m[1]) !== name) {
    return reply(
        res, 404, {'X-Amzn-ErrorType': 'ResourceNotFoundException'},
        JSON.stringify(
            {Type: 'User', Message: `Function not found: ${m ? decodeURIComponent(m[1]) : path}`}));
  }
  if (throttleNext > 0) {
    --throttleNext;
    ++stats.throttled;
    return reply(res, 429, {'X-Amzn-ErrorType': 'TooManyRequestsException'}, JSON.stringify({
      Reason: 'ConcurrentInvocationLimitExceeded',
      Type: 'User',
      message: 'Rate Exceeded.'
    }));
  }
  const Payload = Buffer.concat(chunks).toString() || '{}';
  const type = m[0].includes('invoke-async') ?
      'Event' :
      (req.headers['x-amz-invocation-type'] || 'RequestResponse');
  if (type === 'DryRun') return reply(res, 204, {}, '');
  ++stats.accepted;
  if (m[0].includes('invoke-async')) ++stats.legacy;
  const done = run(Payload).then(r => {
    ++stats[r.FunctionError ? 'failed' : 'completed'];
    if (r.FunctionError) console.error(`invocation ${r.FunctionError}: ${r.Payload}`);
    return r;
  });
  if (type === 'Event') {
    reply(res, 202, {}, '');
    return done.catch(e => {
      ++stats.failed;
      console.error(`invocation failed: ${e}`);
    });
  }
  let r;
  try {
    r = await done;
  } catch (e) {
    ++stats.failed;
    return reply(
        res, 500, {'X-Amzn-ErrorType': 'ServiceException'}, JSON.stringify({Message: String(e)}));
  }
  const headers = {'Content-Type': 'application/json', 'X-Amz-Executed-Version': '$LATEST'};
  if (r.FunctionError) headers['X-Amz-Function-Error'] = r.FunctionError;
  reply(res, 200, headers, r.Payload);
});
server.listen(
    Number(port), '127.0.0.1',
    () => console.error(`lambda emulator listening on 127.0.0.1:${server.address().port}`));

// fun's destroy() does not wait for its instances to die: let the event loop drain instead
// of exiting at once. fun freezes idle instances (SIGSTOP); a SIGHUP to the group is ignored.
const stop = async () => {
  server.close();
  setTimeout(() => process.exit(0), 5000).unref();
  await fn.destroy();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('SIGHUP', () => {});
