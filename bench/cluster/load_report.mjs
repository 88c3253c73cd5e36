// Report of bench/cluster_load.sh: checks every answer of every load run against the
// embedded answer of its query, then prints per-run and summary tables.
// Usage: node load_report.mjs OUT_DIR
//   OUT_DIR/expected-Q.json        the embedded answer of query Q
//   OUT_DIR/MODE/run-R/times.txt   "client k query start end exit_code" per `frocket run`
//   OUT_DIR/MODE/run-R/cC-K.json   that run's response
// Exits with status 1 if any answer is missing, failed or differs.
import fs from 'node:fs';
import path from 'node:path';
import { answerOf, fixed, max, median, min, percentile, table } from './stats.mjs';

const out = process.argv[2];
const queryNames = ['funnel_3_steps', 'conditions_with_aggregations', 'empty'];
const expected = queryNames.map((_, q) => answerOf(JSON.parse(fs.readFileSync(path.join(out, `expected-${q}.json`)))));
const modes = ['cluster', 'embedded'];
const errors = [];

function readRun(mode, dir) {
  const lines = fs.readFileSync(path.join(dir, 'times.txt'), 'utf8').trim().split('\n');
  const queries = [];
  for (const line of lines) {
    const [c, k, q, t0, t1, rc] = line.split(' ');
    const where = `${mode} ${path.basename(dir)} client ${c} query ${k} (${queryNames[q]})`;
    let response = null;
    try {
      response = JSON.parse(fs.readFileSync(path.join(dir, `c${c}-${k}.json`), 'utf8'));
    } catch (e) {
      errors.push(`${where}: exit ${rc}, no JSON response (see c${c}-${k}.err)`);
      continue;
    }
    if (rc !== '0' || !response.success) {
      errors.push(`${where}: exit ${rc}: ${response.errorMessage ?? 'success false'}`);
      continue;
    }
    if (answerOf(response) !== expected[q]) {
      errors.push(`${where}: answer differs from the embedded answer (c${c}-${k}.json vs expected-${q}.json)`);
    }
    queries.push({ q: Number(q), start: Number(t0), end: Number(t1), wall: Number(t1) - Number(t0), stats: response.stats });
  }
  return { lines: lines.length, queries };
}

function runMetrics(run) {
  const wall = run.queries.map((x) => x.wall);
  const total = run.queries.map((x) => x.stats.totalTime);
  const span = max(run.queries.map((x) => x.end)) - min(run.queries.map((x) => x.start));
  return {
    queries: run.queries.length,
    throughput: run.queries.length / span,
    span,
    wall: [0.5, 0.9, 0.99].map((p) => percentile(wall, p)).concat(max(wall)),
    total: [0.5, 0.9, 0.99].map((p) => percentile(total, p)).concat(max(total)),
  };
}

const runs = {};
for (const mode of modes) {
  const base = path.join(out, mode);
  runs[mode] = fs.readdirSync(base).filter((d) => d.startsWith('run-')).sort()
    .map((d) => ({ name: d, ...readRun(mode, path.join(base, d)) }));
}

console.log('Per run (latencies in seconds: client wall p50 / p90 / p99 / max; stats.totalTime the same):\n');
const perRunRows = [];
for (const mode of modes) {
  for (const run of runs[mode]) {
    const m = runMetrics(run);
    run.metrics = m;
    perRunRows.push([mode, run.name, `${m.queries}/${run.lines}`, fixed(m.span, 2), fixed(m.throughput, 1),
      m.wall.map((x) => fixed(x, 3)).join(' / '), m.total.map((x) => fixed(x, 3)).join(' / ')]);
  }
}
console.log(table(['mode', 'run', 'answers ok', 'load wall s', 'queries/s', 'client wall p50/p90/p99/max', 'totalTime p50/p90/p99/max'], perRunRows));

// Over runs: the best and the median run of each metric (for latencies the best is the
// lowest, for throughput the highest).
const over = (mode, pick) => runs[mode].map((r) => pick(r.metrics));
const summaryRows = [];
const metricRows = [
  ['throughput, queries/s', (m) => m.throughput, 'max', 1],
  ['client wall p50, s', (m) => m.wall[0], 'min', 3],
  ['client wall p90, s', (m) => m.wall[1], 'min', 3],
  ['client wall p99, s', (m) => m.wall[2], 'min', 3],
  ['client wall max, s', (m) => m.wall[3], 'min', 3],
  ['stats.totalTime p50, s', (m) => m.total[0], 'min', 3],
  ['stats.totalTime p90, s', (m) => m.total[1], 'min', 3],
  ['stats.totalTime p99, s', (m) => m.total[2], 'min', 3],
  ['stats.totalTime max, s', (m) => m.total[3], 'min', 3],
];
for (const [label, pick, best, digits] of metricRows) {
  const c = over('cluster', pick), e = over('embedded', pick);
  const cb = best === 'max' ? max(c) : min(c), eb = best === 'max' ? max(e) : min(e);
  const ratio = (x, y) => (best === 'max' ? x / y : y / x);  // above 1: cluster better
  summaryRows.push([label, `${fixed(cb, digits)} / ${fixed(median(c), digits)}`,
    `${fixed(eb, digits)} / ${fixed(median(e), digits)}`,
    fixed(ratio(cb, eb), 2), fixed(ratio(median(c), median(e)), 2)]);
}
console.log(`\nSummary over ${runs.cluster.length} runs (best / median run; ratio above 1: cluster better):\n`);
console.log(table(['metric', 'cluster best / median', 'embedded best / median', 'ratio (best)', 'ratio (median)'], summaryRows));

// Per query type, over all runs: where the time goes.
const typeRows = [];
for (const mode of modes) {
  for (let q = 0; q < queryNames.length; ++q) {
    const xs = runs[mode].flatMap((r) => r.queries.filter((x) => x.q === q));
    if (xs.length === 0) continue;
    const lat = xs.map((x) => x.stats.worker?.invokeLatency?.max).filter((x) => x !== undefined);
    const reloads = xs.reduce((n, x) => n + (x.stats.worker?.cache?.source ?? 0), 0);
    const tasks = xs.reduce((n, x) => n + (x.stats.invoker?.totalTasks ?? 0), 0);
    const retried = xs.reduce((n, x) => n + (x.stats.invoker?.retriedTasks ?? 0) + (x.stats.invoker?.lostTasks ?? 0), 0);
    typeRows.push([mode, queryNames[q], xs.length,
      fixed(median(xs.map((x) => x.wall)), 3), fixed(median(xs.map((x) => x.stats.totalTime)), 3),
      fixed(median(lat), 3), `${reloads}/${tasks}`, retried]);
  }
}
console.log('\nPer query type, all runs (medians in seconds):\n');
console.log(table(['mode', 'query', 'n', 'client wall', 'totalTime', 'invokeLatency max', 'parts read from files', 'retried+lost tasks'], typeRows));

if (errors.length) {
  console.log(`\n${errors.length} WRONG OR FAILED ANSWERS:`);
  for (const e of errors.slice(0, 50)) console.log(`  ${e}`);
  process.exit(1);
}
const n = modes.reduce((a, m) => a + runs[m].reduce((b, r) => b + r.queries.length, 0), 0);
console.log(`\nAll ${n} answers equal the embedded answers (query and funnel JSON).`);
