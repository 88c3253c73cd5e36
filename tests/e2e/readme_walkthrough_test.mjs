// The README's walkthrough and every documented query, run as a new user would run them.
//
//   node tests/e2e/readme_walkthrough_test.mjs <path-to-frocket-binary>
//
// 1. The `sh` block under "## Using frocket" in README.md, line by line exactly as written,
//    in an empty directory (with `examples/` beside it, as in a clone) and a fresh
//    FROCKET_HOME; only the value of B on its first line is replaced by the binary under test.
//    Every line must exit 0, and every JSON answer say success (its `unregister` runs last).
// 2. Every query of the README's ```json blocks (several per block, each possibly on several
//    lines), of docs/query-language.md's ```json blocks and of examples/*.json, run against the
//    walkthrough's dataset: each must succeed (what they answer is checked elsewhere; here,
//    that the documentation does not lie about what runs).
// Prints one line per check and "N passed, M failed"; exits 1 on any failure.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { checks } from './checks.mjs';

const binary = resolve(process.argv[2] ?? '');
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const { check, finish } = checks();

const clip = (s, n = 600) => (s.length > n ? s.slice(0, n) + '…' : s);

function sh(cwd, env, line) {
  return new Promise((done) => {
    execFile('/bin/bash', ['-c', line], { cwd, env, timeout: 180_000, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => done({ code: error ? (error.code ?? -1) : 0, stdout, stderr }));
  });
}

// The fenced blocks of `text` tagged `tag`, as arrays of lines.
function blocks(text, tag) {
  const out = [];
  let current = null;
  for (const line of text.split('\n')) {
    if (current === null && line.trim() === '```' + tag) {
      current = [];
    } else if (current !== null && line.trim() === '```') {
      out.push(current);
      current = null;
    } else if (current !== null) {
      current.push(line);
    }
  }
  return out;
}

// The JSON documents of a block: consecutive lines accumulate until they parse.
function documents(lines) {
  const docs = [];
  let pending = '';
  for (const line of lines) {
    pending += line + '\n';
    try {
      docs.push(JSON.parse(pending));
      pending = '';
    } catch { /* not complete yet */ }
  }
  return { docs, rest: pending.trim() };
}

const work = mkdtempSync(join(tmpdir(), 'frocket-readme-'));
const env = { ...process.env };
for (const k of Object.keys(env)) if (k.startsWith('FROCKET_')) delete env[k];
env.FROCKET_HOME = join(work, 'home');
try {
  symlinkSync(join(repo, 'examples'), join(work, 'examples'));
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const usage = readme.slice(readme.indexOf('## Using frocket'));
  const walkthrough = blocks(usage, 'sh')[0] ?? [];
  check('the README has a walkthrough', walkthrough.length > 5, `${walkthrough.length} lines`);
  let prefix = '';
  const runLine = async (line) => {
    const r = await sh(work, env, prefix + line);
    let answer = null;
    try { answer = JSON.parse(r.stdout); } catch { /* a table */ }
    check(`README: ${line.trim()}`, r.code === 0 && (answer === null || answer.success !== false),
      `exit ${r.code}; stdout ${clip(r.stdout)}; stderr ${clip(r.stderr)}`);
  };
  // The walkthrough's unregister runs last, after the documented queries below.
  const deferred = [];
  for (const line of walkthrough) {
    if (!line.trim()) continue;
    if (/^B=/.test(line)) {
      prefix = `B=${JSON.stringify(binary)}; `;
      continue;
    }
    if (/\bunregister\b/.test(line)) {
      deferred.push(line);
      continue;
    }
    await runLine(line);
  }

  const queries = [];
  for (const [file, text] of [['README.md', readme],
    ['docs/query-language.md', readFileSync(join(repo, 'docs/query-language.md'), 'utf8')]]) {
    blocks(text, 'json').forEach((lines, i) => {
      const { docs, rest } = documents(lines);
      check(`${file}: json block ${i + 1} is JSON`, rest === '' && docs.length > 0, clip(rest));
      docs.forEach((q, j) => queries.push([`${file} block ${i + 1} query ${j + 1}`, q]));
    });
  }
  for (const name of readdirSync(join(repo, 'examples')).filter((f) => f.endsWith('.json')).sort()) {
    queries.push([`examples/${name}`, JSON.parse(readFileSync(join(repo, 'examples', name), 'utf8'))]);
  }
  for (const [where, q] of queries) {
    const r = await sh(work, env,
      `${JSON.stringify(binary)} run activity --nopretty --string ${shellQuote(JSON.stringify(q))}`);
    let answer = null;
    try { answer = JSON.parse(r.stdout); } catch { /* not JSON */ }
    check(`runs: ${where}`, r.code === 0 && answer?.success === true,
      `exit ${r.code}; query ${clip(JSON.stringify(q), 300)}; stdout ${clip(r.stdout)}; stderr ${clip(r.stderr)}`);
  }
  for (const line of deferred) await runLine(line);
} finally {
  rmSync(work, { recursive: true, force: true });
}
finish();

function shellQuote(s) {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
