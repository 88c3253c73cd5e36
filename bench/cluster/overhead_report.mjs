// Report of bench/task_overhead.sh.
// Usage: node overhead_report.mjs OUT_DIR
//
// From the stats JSON of each run: totalTime, totalTime per task, the tasks' invokeLatency
// (job start to task start). From the `redis-cli monitor` traces (every command with the
// server's arrival time):
//   - task end: the worker's EVAL writing ENDED_SUCCESS;
//   - result read: the invoker's first HMGET of the job's results naming that attempt after
//     its end;
//   - job end: job start (the tasks' invokeTime) + stats.totalTime;
//   - beyond slowest task: job end - the last task end — what the work queue adds after the
//     last worker is done (reading the result, merging, cleanup);
//   - worker gap: a worker's next task start (LOADING_DATA) - its previous task end, within
//     a job: taking a task from the queue (and choosing a part when self-selecting).
// A 25 ms poller (Funnel Rocket's FROCKET_INVOKER_ASYNC_POLL_INTERVAL_MS) is modelled on the
// same traces: polls at enqueue end + k * 25 ms; each result is read at the first poll after
// its task ended, and the job ends at the first poll after the last one.
import fs from 'node:fs';
import path from 'node:path';
import { fixed, max, mean, median, min, percentile, table } from './stats.mjs';

const out = process.argv[2];
const pollInterval = 0.025;
const ms = (x, d = 2) => fixed(x * 1000, d);
const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
const listRuns = (dir, prefix) => fs.existsSync(dir)
  ? fs.readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
    .sort((a, b) => parseInt(a.slice(prefix.length)) - parseInt(b.slice(prefix.length)))
    .map((f) => readJson(path.join(dir, f)))
  : [];

// One run's numbers from its stats.
function fromStats(r) {
  if (!r.success) throw new Error(`a run failed: ${r.errorMessage}`);
  const s = r.stats, tasks = s.invoker.totalTasks;
  return {
    total: s.totalTime, perTask: s.totalTime / tasks, tasks,
    latP50: s.worker.invokeLatency['50%'], latMean: s.worker.invokeLatency.mean, latMax: s.worker.invokeLatency.max,
    fromFiles: s.worker.cache.source, retried: s.invoker.retriedTasks + s.invoker.lostTasks,
  };
}

const statsRows = [];
const addRows = (label, runs) => {
  if (runs.length === 0) return;
  const col = (k) => runs.map((r) => r[k]);
  const mm = (k, d = 2) => `${ms(min(col(k)), d)} / ${ms(median(col(k)), d)}`;
  statsRows.push([label, runs.length, mm('total'), mm('perTask', 3), mm('latMean'), mm('latP50'), mm('latMax'),
    `${col('fromFiles').reduce((a, b) => a + b, 0)}/${col('tasks').reduce((a, b) => a + b, 0)}`,
    col('retried').reduce((a, b) => a + b, 0)]);
};
const phases = ['self-select-on', 'self-select-off'];
for (const phase of phases) {
  addRows(`${phase}, cold (new workers)`, listRuns(path.join(out, phase), 'cold-').map(fromStats));
  addRows(`${phase}, warm`, listRuns(path.join(out, phase), 'warm-').map(fromStats));
  addRows(`${phase}, warm, traced`, listRuns(path.join(out, phase), 'traced-').map(fromStats));
}
addRows('embedded, cold (new process)', listRuns(path.join(out, 'embedded'), 'cold-').map(fromStats));
// Embedded warm: `--repeat` prints each run's time; the stats are those of the last run.
const repeatFile = path.join(out, 'embedded', 'repeat.err');
if (fs.existsSync(repeatFile)) {
  const times = [...fs.readFileSync(repeatFile, 'utf8').matchAll(/^run (\d+): ([0-9.]+) s/gm)]
    .map((m) => Number(m[2])).slice(1);
  const last = fromStats(readJson(path.join(out, 'embedded', 'repeat.json')));
  addRows('embedded, warm (one process)', times.map((t) => ({ ...last, total: t, perTask: t / last.tasks })));
}
console.log('Empty query over 100 parts. Per run, then min / median over runs, in ms (invokeLatency: job start to task start;');
console.log('embedded warm: time of each --repeat run, invokeLatency of the last run):\n');
console.log(table(['runs', 'n', 'totalTime', 'totalTime / task', 'invokeLatency mean', 'invokeLatency p50',
  'invokeLatency max', 'parts read from files', 'retried+lost'], statsRows));

// --- traces ---

function unrepr(s) {
  const named = { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' };
  return s.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, e) =>
    (e.length === 3 && e[0] === 'x' ? String.fromCharCode(parseInt(e.slice(1), 16)) : named[e] ?? e));
}

function parseMonitor(file) {
  const jobs = new Map();
  const job = (id) => {
    if (!jobs.has(id)) jobs.set(id, { attempts: new Map(), events: [], srem: 0, del: null, invokeTime: null });
    return jobs.get(id);
  };
  const attempt = (j, id) => {
    if (!j.attempts.has(id)) j.attempts.set(id, {});
    return j.attempts.get(id);
  };
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  for (let n = 0; n < lines.length; ++n) {
    const line = lines[n];
    const m = /^(\d+\.\d+) \[[^\]]*\] (.*)$/.exec(line);
    if (!m) continue;
    const ts = Number(m[1]);
    const args = [...m[2].matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((x) => x[1]);
    const cmd = args[0]?.toUpperCase();
    const req = (key) => /req-(.+):[a-z]+$/.exec(key)?.[1];
    if (cmd === 'LPUSH' && args[1].endsWith('queues:default')) {
      const message = JSON.parse(unrepr(args[2]));
      const j = job(message.requestId);
      if (j.invokeTime === null) j.invokeTime = message.invokeTime;
    } else if (cmd === 'EVAL' && args[2] === '4') {
      const j = job(req(args[3]));
      const status = JSON.parse(unrepr(args[8]));
      j.events.push({ ts, attempt: args[7], status: status.status, worker: status.worker });
      if (status.status === 'ENDED_SUCCESS') attempt(j, args[7]).end ??= ts;
      if (status.status === 'ENDED_SUCCESS') attempt(j, args[7]).endLine ??= n;
    } else if (cmd === 'HMGET' && args[1].endsWith(':results')) {
      const j = job(req(args[1]));
      // The invoker reads statuses and results of every event, also non-final ones: the
      // result is read by the first HMGET after the end (the trace is in the server's order).
      for (const id of args.slice(2)) {
        const a = attempt(j, id);
        if (a.endLine !== undefined) a.read ??= ts;
      }
    } else if (cmd === 'SREM') {
      job(req(args[1])).srem += 1;
    } else if (cmd === 'DEL' && args[1].endsWith(':alive')) {
      job(req(args[1])).del = ts;
    }
  }
  return jobs;
}

const traceRows = [];
const modelRows = [];
for (const phase of phases) {
  const dir = path.join(out, phase);
  if (!fs.existsSync(path.join(dir, 'monitor.txt'))) continue;
  const jobs = parseMonitor(path.join(dir, 'monitor.txt'));
  const notify = [], gaps = [], beyond = [], readLast = [], srem = [], polledJob = [], polledTask = [], totals = [];
  for (const r of listRuns(dir, 'traced-')) {
    const j = jobs.get(r.requestId);
    if (!j || j.invokeTime === null) throw new Error(`${phase}: job ${r.requestId} is not in the trace`);
    const done = [...j.attempts.values()].filter((a) => a.end !== undefined);
    if (done.length !== r.stats.invoker.totalTasks) {
      throw new Error(`${phase}: job ${r.requestId}: ${done.length} task ends traced, ${r.stats.invoker.totalTasks} tasks`);
    }
    const lastEnd = max(done.map((a) => a.end));
    const jobEnd = j.invokeTime + r.stats.totalTime;
    const pollStart = j.invokeTime + r.stats.invoker.enqueueTime;
    const nextPoll = (t) => pollStart + Math.ceil((t - pollStart) / pollInterval) * pollInterval;
    totals.push(r.stats.totalTime);
    beyond.push(jobEnd - lastEnd);
    readLast.push(max(done.map((a) => a.read)) - lastEnd);
    polledJob.push(nextPoll(lastEnd) - lastEnd);
    for (const a of done) {
      notify.push(a.read - a.end);
      polledTask.push(nextPoll(a.end) - a.end);
    }
    srem.push(j.srem);
    const lastEndBy = new Map();
    for (const e of j.events.sort((x, y) => x.ts - y.ts)) {
      if (e.status === 'LOADING_DATA' && lastEndBy.has(e.worker)) gaps.push(e.ts - lastEndBy.get(e.worker));
      if (e.status === 'ENDED_SUCCESS' || e.status === 'ENDED_FAILED') lastEndBy.set(e.worker, e.ts);
    }
  }
  const p = (xs, q) => ms(percentile(xs, q), 3);
  traceRows.push([phase, totals.length, ms(median(totals)), `${p(gaps, 0.5)} / ${p(gaps, 0.99)} / ${ms(max(gaps), 3)}`,
    fixed(median(srem), 0), `${p(notify, 0.5)} / ${p(notify, 0.99)} / ${ms(max(notify), 3)}`,
    `${ms(min(readLast), 3)} / ${ms(median(readLast), 3)} / ${ms(max(readLast), 3)}`,
    `${ms(min(beyond), 3)} / ${ms(median(beyond), 3)} / ${ms(max(beyond), 3)}`]);
  modelRows.push([phase, `${ms(median(notify), 3)} / ${ms(max(notify), 3)}`, `${ms(mean(polledTask))} / ${ms(max(polledTask))}`,
    `${ms(median(readLast), 3)} / ${ms(max(readLast), 3)}`, `${ms(mean(polledJob))} / ${ms(max(polledJob))}`,
    `${ms(median(beyond), 3)}`, `${ms(median(beyond) + mean(polledJob) - median(readLast))}`]);
}
if (traceRows.length) {
  console.log('\nTraced runs (redis-cli monitor), in ms; p50 / p99 / max over all tasks of all runs, min / median / max over jobs:\n');
  console.log(table(['phase', 'runs', 'totalTime median', 'worker gap between tasks p50/p99/max', 'SREM per job',
    'task end -> invoker reads result p50/p99/max', 'last task end -> last result read', 'last task end -> job end'], traceRows));
  console.log('\nEvent-driven (measured) against a 25 ms poller (modelled on the same traces), in ms:\n');
  console.log(table(['phase', 'per task: result read after task end, measured median / max',
    'same, 25 ms poller mean / max', 'per job: last result read after last task end, measured median / max',
    'same, 25 ms poller mean / max', 'job end after last task end, measured median', 'same, 25 ms poller (estimate)'], modelRows));
}
