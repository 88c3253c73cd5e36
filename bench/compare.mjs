// Reads the JSON lines of frocket's and another engine's runs of the same queries and prints
// them side by side: min and median seconds, rows/s for frocket, and the speed ratio
// other / frocket (above 1: frocket is faster). Also checks both computed the same result.
import { createInterface } from 'node:readline';

const runs = [];
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim()) runs.push(JSON.parse(line));
}
const key = r => `${r.codec ?? ''}|${r.query}`;
const groups = new Map();
for (const r of runs) {
  if (!groups.has(key(r))) groups.set(key(r), {});
  groups.get(key(r))[r.engine === 'frocket' ? 'frocket' : 'other'] = r;
}
const sameResult = (a, b) => a.every((v, i) => {
  if (v === b[i]) return true;
  const x = Number(v), y = Number(b[i]);
  return Number.isFinite(x) && Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y));
});
console.log('| codec | query | frocket min / median s | other engine min / median s | frocket Mrows/s | ratio (min) | ratio (median) | same result |');
console.log('|---|---|---|---|---|---|---|---|');
for (const [k, { frocket, other }] of groups) {
  if (!frocket || !other) continue;
  const [codec, query] = k.split('|');
  const mrows = frocket.rows ? (frocket.rows / frocket.min_s / 1e6).toFixed(1) : '';
  console.log(`| ${codec} | ${query} | ${frocket.min_s.toFixed(4)} / ${frocket.median_s.toFixed(4)} | ` +
    `${other.min_s.toFixed(4)} / ${other.median_s.toFixed(4)} (${other.engine}) | ${mrows} | ` +
    `${(other.min_s / frocket.min_s).toFixed(2)} | ${(other.median_s / frocket.median_s).toFixed(2)} | ` +
    `${sameResult(frocket.result, other.result) ? 'yes' : 'NO'} |`);
}
