import type { Scenario } from './types';

/** A stretch of the TPS curve on which the rate is linear, in seconds and scaled payments/s. */
export interface CurveSegment {
  readonly fromSec: number;
  readonly toSec: number;
  readonly fromTps: number;
  readonly toTps: number;
}

/**
 * The scaled offered rate at `tSec`: linear between the curve's points, flat before the first
 * point and after the last.
 */
export function rateAt(s: Scenario, tSec: number): number {
  const pts = s.traffic.tpsCurve;
  const first = pts[0]!;
  if (tSec <= first.t) return first.tps * s.scale;
  for (let i = 1; i < pts.length; i++) {
    const b = pts[i]!;
    if (tSec <= b.t) {
      const a = pts[i - 1]!;
      return (a.tps + ((b.tps - a.tps) * (tSec - a.t)) / (b.t - a.t)) * s.scale;
    }
  }
  return pts[pts.length - 1]!.tps * s.scale;
}

/** The curve over [0, durationSec] as linear segments (scaled), for the generator and for integrals. */
export function curveSegments(s: Scenario): CurveSegment[] {
  const end = s.durationSec;
  const cuts = [0, ...s.traffic.tpsCurve.map((p) => p.t).filter((t) => t > 0 && t < end), end];
  const out: CurveSegment[] = [];
  for (let i = 1; i < cuts.length; i++) {
    const fromSec = cuts[i - 1]!;
    const toSec = cuts[i]!;
    out.push({ fromSec, toSec, fromTps: rateAt(s, fromSec), toTps: rateAt(s, toSec) });
  }
  return out;
}

/** Expected number of arrivals (fresh and retries) offered in [fromSec, toSec): the curve's integral. */
export function expectedArrivals(s: Scenario, fromSec = 0, toSec = s.durationSec): number {
  let total = 0;
  for (const seg of curveSegments(s)) {
    const a = Math.max(seg.fromSec, fromSec);
    const b = Math.min(seg.toSec, toSec);
    if (b <= a) continue;
    const ra = interpolate(seg, a);
    const rb = interpolate(seg, b);
    total += ((ra + rb) / 2) * (b - a);
  }
  return total;
}

export function interpolate(seg: CurveSegment, tSec: number): number {
  if (seg.toSec === seg.fromSec) return seg.fromTps;
  return seg.fromTps + ((seg.toTps - seg.fromTps) * (tSec - seg.fromSec)) / (seg.toSec - seg.fromSec);
}
