// Small statistics and formatting helpers shared by the cluster benchmark reports.

// Linear interpolation between closest ranks (pandas' describe(), and frocket's stats).
export function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const rank = p * (s.length - 1);
  const lo = Math.floor(rank), hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (s[hi] - s[lo]) * (rank - lo);
}

export const median = (values) => percentile(values, 0.5);
export const min = (values) => Math.min(...values);
export const max = (values) => Math.max(...values);
export const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

// JSON with object keys sorted, so that two answers compare equal whatever their key order.
export function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

// The part of a response that must not depend on how the tasks ran.
export const answerOf = (response) => canonical({ query: response.query, funnel: response.funnel });

export function fixed(x, digits) {
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

export function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
