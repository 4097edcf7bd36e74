import type { CurveSegment } from './curve';
import { ScenarioError } from './errors';

/** One row of a recorded rate file: from `timeSec` on, `rate` arrivals per second (real-world). */
export interface RatePoint {
  readonly timeSec: number;
  readonly rate: number;
}

const NUMBER_RE = /^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?$/i;

/**
 * Parses a per-second rate file, `time_s,rate` per line (a header line is optional; blank lines and
 * `#` comments are skipped). Every problem is collected, with its line number, before throwing a
 * ScenarioError: a row that is not two numbers, a negative time or rate, a time not after the
 * previous row's, or no rows at all.
 */
export function parseRateCsv(text: string, source = 'replay'): RatePoint[] {
  const problems: string[] = [];
  const out: RatePoint[] = [];
  const lines = text.split(/\r?\n/);
  let seenData = false;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    const at = `line ${i + 1}`;
    if (line === '' || line.startsWith('#')) return;
    const cells = line.split(',').map((c) => c.trim());
    if (!seenData && out.length === 0 && problems.length === 0 && cells.some((c) => !NUMBER_RE.test(c))) {
      // The first non-comment line may be a header: it must name the two columns.
      if (cells.length === 2 && /^time/i.test(cells[0]!) && /^rate/i.test(cells[1]!)) return;
    }
    seenData = true;
    if (cells.length !== 2) {
      problems.push(`${at}: expected two columns time_s,rate, got ${cells.length}: "${line}"`);
      return;
    }
    const [t, r] = cells as [string, string];
    if (!NUMBER_RE.test(t) || !NUMBER_RE.test(r)) {
      problems.push(`${at}: time_s and rate must be numbers: "${line}"`);
      return;
    }
    const timeSec = Number(t);
    const rate = Number(r);
    if (timeSec < 0) problems.push(`${at}: time_s must be >= 0, got ${timeSec}`);
    if (rate < 0) problems.push(`${at}: rate must be >= 0, got ${rate}`);
    const prev = out[out.length - 1];
    if (prev && !(timeSec > prev.timeSec))
      problems.push(`${at}: time_s must increase; ${timeSec} follows ${prev.timeSec}`);
    out.push({ timeSec, rate });
  });
  if (problems.length === 0 && out.length === 0) problems.push('no rows: expected lines of time_s,rate');
  if (problems.length > 0) {
    const err = new ScenarioError(source, problems);
    err.message = `${source}: invalid rate file\n${problems.map((p) => `  - ${p}`).join('\n')}`;
    throw err;
  }
  return out;
}

/** When a replay ends: the last row holds for one second (each row is one second's rate, or until the next). */
export function replayDurationSec(points: readonly RatePoint[]): number {
  return points[points.length - 1]!.timeSec + 1;
}

/**
 * The replay as flat segments for the traffic generator: each row's rate (× scale) holds until the
 * next row, the last for one second; before the first row nothing arrives.
 */
export function replaySegments(points: readonly RatePoint[], scale: number): CurveSegment[] {
  const out: CurveSegment[] = [];
  const first = points[0]!;
  if (first.timeSec > 0) out.push({ fromSec: 0, toSec: first.timeSec, fromTps: 0, toTps: 0 });
  points.forEach((p, i) => {
    const toSec = points[i + 1]?.timeSec ?? p.timeSec + 1;
    const tps = p.rate * scale;
    out.push({ fromSec: p.timeSec, toSec, fromTps: tps, toTps: tps });
  });
  return out;
}
