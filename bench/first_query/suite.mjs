// The first-query suite's runner (bench/first_query.sh): for each dataset and each query of
// queries.mjs, frocket cold (a new `frocket run` process, files in the OS page cache) and warm
// (`--repeat`), beside DuckDB and ClickHouse (chDB) over the same Parquet files and over an
// in-memory table (peer.mjs). Checks that every engine gives the same answer, prints one table
// (markdown) and the worst ratio. Exits non-zero if an answer differs.
// Usage: node suite.mjs FROCKET REPS NAME:DIR...   (FROCKET_HOME: where NAMEs are registered)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { answerOf, queries, sameAnswer } from './queries.mjs';

const [frocket, repsArg, ...datasets] = process.argv.slice(2);
const reps = Number(repsArg);
const here = new URL('.', import.meta.url).pathname;
const scratch = mkdtempSync(`${tmpdir()}/first-query-`);
const min = (xs) => Math.min(...xs);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Bytes per row of each column once decoded (strings as dictionary codes): the decoded size of
// the columns a query reads, to set its peak memory beside.
const widths = { user_id: 8, ts: 8, event_type: 4, url: 4, browser: 4, country: 4, device: 4,
  sku: 4, price: 8, campaign_id: 8, goal_value: 8, is_mobile: 1 };
function columnsOf(q) {
  const used = new Set(['user_id']);
  if (q.frocket.funnel || q.frocket.timeframe || JSON.stringify(q.frocket).includes('"sequence"')) used.add('ts');
  JSON.stringify(q.frocket, (k, v) => {
    if (typeof v === 'string' && v in widths) used.add(v);
    return v;
  });
  return [...used];
}

function run(command, args, env = {}) {
  const start = process.hrtime.bigint();
  const r = spawnSync(command, args, { env: { ...process.env, ...env }, maxBuffer: 1 << 30, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr}`);
  return { seconds, stdout: r.stdout, stderr: r.stderr };
}

// frocket cold: a new process a run (one untimed first, so that the files are in the page
// cache); its wall time and answer, and the peak RSS (KB) of one more such run. Warm: --repeat, the runs after the first.
// Cached: cold again, with the transcoded cache (FROCKET_TRANSCODED_CACHE_SIZE_MB), emptied
// before the first run, which builds it (`building`: that run's time), the others read it.
const transcoded = { FROCKET_TRANSCODED_CACHE_SIZE_MB: '16384' };
const transcodedDir = `${process.env.FROCKET_HOME}/transcoded-cache`;
function frocketRuns(name, q) {
  const query = JSON.stringify(q.frocket);
  const args = ['run', name, '--string', query, '--nopretty', '--no-stats'];
  run(frocket, args);
  const cold = [];
  let answer;
  for (let i = 0; i < reps; i++) {
    const r = run(frocket, args);
    cold.push(r.seconds);
    answer = answerOf(JSON.parse(r.stdout), q.only);
  }
  // Peak RSS from one more cold run, under /usr/bin/time: not a timed one, whose time would then
  // include starting the wrapper too (0.7 ms).
  run('/usr/bin/time', ['-f', '%M', '-o', `${scratch}/rss`, frocket, ...args]);
  const rss = Number(readFileSync(`${scratch}/rss`, 'utf8').trim().split('\n').pop());
  const warm = [...run(frocket, [...args, '--repeat', String(reps + 1)]).stderr
    .matchAll(/^run (\d+): ([0-9.e-]+) s/gm)].filter((m) => Number(m[1]) > 1).map((m) => Number(m[2]));
  rmSync(transcodedDir, { recursive: true, force: true });
  const building = run(frocket, args, transcoded).seconds;
  run('sync', []);  // the cache's writeback not left to run beside the timed runs
  const cached = [];
  let cachedAnswer;
  for (let i = 0; i < reps; i++) {
    const r = run(frocket, args, transcoded);
    cached.push(r.seconds);
    cachedAnswer = answerOf(JSON.parse(r.stdout), q.only);
  }
  return { cold, warm, rss, answer, building, cached, cachedAnswer };
}

const s = (xs) => `${min(xs).toFixed(3)} / ${median(xs).toFixed(3)}`;
const x = (r) => `${r.toFixed(2)}x`;
console.log('| dataset | query | frocket cold | frocket warm | DuckDB Parquet | DuckDB memory | chDB Parquet | chDB memory | cold ratio | warm ratio | frocket peak RSS | decoded columns | frocket cached cold (building) | cached ratio |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
// A row of the table, printed as soon as measured.
const printRow = (r) => {
  console.log(`| ${r.name} | ${r.query} | ${s(r.f.cold)} | ${s(r.f.warm)} | ${s(r.peer('duckdb', 'parquet').times)} | ` +
    `${s(r.peer('duckdb', 'memory').times)} | ${s(r.peer('clickhouse', 'parquet').times)} | ` +
    `${s(r.peer('clickhouse', 'memory').times)} | ${x(r.cold)} | ${x(r.warm)} | ` +
    `${Math.round(r.f.rss / 1024)} MB | ${Math.round(r.decoded / 1e6)} MB | ` +
    `${s(r.f.cached)} (${r.f.building.toFixed(3)}) | ${x(r.cachedCold)} |`);
};
const rows = [];
let mismatches = 0;
const loadBefore = loadavg();
for (const spec of datasets) {
  const [name, dir] = spec.split(':');
  const peers = {};
  for (const engine of ['duckdb', 'clickhouse']) {
    const out = run('node', [`${here}/peer.mjs`, engine, dir, String(reps)]).stdout;
    for (const line of out.split('\n').filter(Boolean)) {
      const r = JSON.parse(line);
      peers[`${r.engine} ${r.mode}|${r.query}`] = r;
    }
  }
  for (const q of queries) {
    const f = frocketRuns(name, q);
    const peer = (engine, mode) => peers[`${engine} ${mode}|${q.name}`];
    for (const engine of ['duckdb', 'clickhouse']) {
      for (const mode of ['parquet', 'memory']) {
        const p = peer(engine, mode);
        for (const [label, answer] of [['frocket', f.answer], ['frocket cached', f.cachedAnswer]]) {
          if (!sameAnswer(answer, p.answer)) {
            mismatches++;
            console.error(`ANSWERS DIFFER: ${name}, ${q.name}, ${label} vs ${engine} ${mode}:\n` +
              `  ${label} ${JSON.stringify(answer)}\n  ${engine}  ${JSON.stringify(p.answer)}`);
          }
        }
      }
    }
    const bestFiles = Math.min(min(peer('duckdb', 'parquet').times), min(peer('clickhouse', 'parquet').times));
    const bestMemory = Math.min(min(peer('duckdb', 'memory').times), min(peer('clickhouse', 'memory').times));
    const decoded = columnsOf(q).reduce((s, c) => s + widths[c], 0) * 20e6;
    rows.push({ name, query: q.name, f, peer, cold: bestFiles / min(f.cold), warm: bestMemory / min(f.warm),
      cachedCold: bestFiles / min(f.cached), decoded });
    printRow(rows[rows.length - 1]);
    console.error(`${name} / ${q.name}: cold ${min(f.cold).toFixed(3)} s, ${(bestFiles / min(f.cold)).toFixed(2)}x`);
  }
}
rmSync(scratch, { recursive: true, force: true });

console.log(`\nSeconds, min / median of ${reps}; ratio = the best peer's min / frocket's min ` +
  '(cold: over Parquet; warm: in memory). Load average before and after: ' +
  `${loadBefore.map((l) => l.toFixed(2)).join(' ')} / ${loadavg().map((l) => l.toFixed(2)).join(' ')}.`);
const worstCold = rows.reduce((a, b) => (b.cold < a.cold ? b : a));
const worstWarm = rows.reduce((a, b) => (b.warm < a.warm ? b : a));
const worstCached = rows.reduce((a, b) => (b.cachedCold < a.cachedCold ? b : a));
console.log(`\nWorst ratio: cold ${x(worstCold.cold)} (${worstCold.name}, ${worstCold.query}); ` +
  `warm ${x(worstWarm.warm)} (${worstWarm.name}, ${worstWarm.query}); ` +
  `cached cold ${x(worstCached.cachedCold)} (${worstCached.name}, ${worstCached.query}). Goal: 3x.` +
  (mismatches ? ` ${mismatches} ANSWERS DIFFER.` : ' Every answer agrees.'));
process.exit(mismatches ? 1 : 0);
