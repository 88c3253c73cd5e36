// The report of bench/lambda.sh: one table, from the files it wrote under OUT.
// Usage: node report.mjs OUT ROWS
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { percentile, median, min, answerOf, fixed } from '../cluster/stats.mjs';

const [, , out, rowsText] = process.argv;
const rows = Number(rowsText);
const read = (f) => JSON.parse(readFileSync(join(out, f), 'utf8'));
const runsIn = (dir) => readdirSync(join(out, dir)).filter((f) => /^\d+\.json$/.test(f))
  .map((f) => read(join(dir, f)));

const lines = [];
const row = (...cells) => lines.push(`| ${cells.join(' | ')} |`);
row('measure', 'frocket min', 'frocket median', 'peer min', 'peer median', 'peer / frocket (median)');
row('---', '---', '---', '---', '---', '---');
for (const n of [100, 1000]) {
  const f = read(`fanout-frocket-${n}.json`);
  const b = read(`fanout-boto3-${n}.json`);
  const peer = b.skipped ? ['(skipped)', '', ''] :
    [`${fixed(b.min_s, 3)} s`, `${fixed(b.median_s, 3)} s`, fixed(b.median_s / f.median_s, 1)];
  row(`${n} async invocations sent (peer: boto3, 20 threads, as Funnel Rocket)`,
      `${fixed(f.min_s, 4)} s`, `${fixed(f.median_s, 4)} s`, ...peer);
}

const timings = read('cold-timings.json');
const oneCount = runsIn('cold-one').length;
const one = timings.slice(0, oneCount);
row('cold start: exec to first /next (ms)', fixed(min(one.map((t) => t.next)), 1),
    fixed(median(one.map((t) => t.next)), 1), '', '', '');
row('cold start: exec to the task\'s result, 1 part of 100k rows (ms)',
    fixed(min(one.map((t) => t.result)), 1), fixed(median(one.map((t) => t.result)), 1), '', '', '');

const times = (runs) => runs.map((r) => r.stats.totalTime);
const cold20 = runsIn('cold-20');
row('query over 20 parts, every instance a new process (s)', fixed(min(times(cold20)), 3),
    fixed(median(times(cold20)), 3), '', '', '');
const funCold = runsIn('fun-cold');
const funWarm = runsIn('fun-warm');
const queue = runsIn('queue');
row('query over 20 parts, @vercel/fun emulator, cold (s)', fixed(min(times(funCold)), 3),
    fixed(median(times(funCold)), 3), '', '', '');
row('query over 20 parts, @vercel/fun emulator, warm (s; peer: 2 queue workers)',
    fixed(min(times(funWarm)), 3), fixed(median(times(funWarm)), 3), fixed(min(times(queue)), 3),
    fixed(median(times(queue)), 3), fixed(median(times(queue)) / median(times(funWarm)), 2));
row('P99 of the warm queries (s)', '', fixed(percentile(times(funWarm), 0.99), 3), '',
    fixed(percentile(times(queue), 0.99), 3), '');
const costs = funWarm.map((r) => r.stats.cost);
const coldCosts = funCold.map((r) => r.stats.cost);
const scale = 1e8 / rows;
row(`cost per query, warm (cents; per 100M rows: × ${scale})`, fixed(min(costs) * 100, 5),
    fixed(median(costs) * 100, 5), '', `${fixed(median(costs) * 100 * scale, 3)} per 100M rows`, '');
row('cost per query, cold (cents)', fixed(min(coldCosts) * 100, 5), fixed(median(coldCosts) * 100, 5),
    '', `${fixed(median(coldCosts) * 100 * scale, 3)} per 100M rows`, '');
console.log(lines.join('\n'));

// The answers must not depend on how the tasks ran.
const answers = new Set([...funCold, ...funWarm, ...queue, ...cold20].map(answerOf));
console.log(`answers: ${answers.size === 1 ? 'all equal' : `${answers.size} DIFFERENT answers`}` +
  ` across ${funCold.length + funWarm.length + queue.length + cold20.length} queries`);
const warmTasks = funWarm.map((r) => r.stats.worker.warmTasks);
console.log(`warm queries: warm tasks min ${min(warmTasks)} of 20; memory-cache hits median ` +
  `${median(funWarm.map((r) => r.stats.worker.cache.memoryCache))}`);
if (!existsSync(join(out, 'cold-one'))) process.exitCode = 1;
