import { CATEGORIES, CLASS_INFO } from '../../domain/src';
import { curveSegments } from './curve';
import { faultActions } from './faults';
import type { K6Plan } from './k6-plan-types';
import { buildTopology } from './topology';
import type { Scenario } from './types';

export type { K6Plan } from './k6-plan-types';

/**
 * A scenario as a k6 plan (k6-plan-types.ts): the curve as ramping-arrival-rate stages, the mix,
 * the accounts and the thresholds. Pre-allocated VUs cover the peak rate with every payment held
 * for the PSP's answer wait (a VU is busy for the whole request), with 50 % headroom.
 */
export function k6Plan(
  s: Scenario,
  statusPoll: K6Plan['statusPoll'] = { firstAfterMs: 45_000, everyMs: 90_000, maxPolls: 3 },
): K6Plan {
  const topo = buildTopology(s);
  const segs = curveSegments(s);
  const round = (x: number) => Math.round(x);
  const peakRate = Math.max(1, ...segs.map((g) => Math.max(g.fromTps, g.toTps)));
  const holdSec = (s.topology.switch.pspWaitMs + 200) / 1000;
  const preAllocatedVUs = Math.max(10, Math.ceil(peakRate * holdSec * 1.5));
  return {
    planVersion: 1,
    scenario: { name: s.name, file: s.source ?? null, scale: s.scale },
    seed: s.seed,
    strategies: {
      scheduling: s.strategies.scheduling,
      batch: { policy: s.strategies.batch.policy, size: s.strategies.batch.size },
    },
    durationSec: s.durationSec,
    arrival: {
      startRate: round(segs[0]?.fromTps ?? 0),
      timeUnit: '1s',
      stages: segs.map((g) => ({
        target: round(g.toTps),
        duration: `${Math.round((g.toSec - g.fromSec) * 1000)}ms`,
      })),
      peakRate: round(peakRate),
      preAllocatedVUs,
      maxVUs: preAllocatedVUs * 2,
    },
    psps: topo.psps.map((p) => ({ id: p.id, share: p.share, vpas: [...p.vpas] })),
    payees: [...topo.payees],
    handles: [...topo.handles.keys()],
    categories: CATEGORIES.map((c) => {
      const d = s.traffic.amount.byCategory[c] ?? s.traffic.amount;
      return {
        category: c,
        share: s.traffic.categoryMix[c] ?? 0,
        priority: CLASS_INFO[c].priority,
        deadlineMs: CLASS_INFO[c].deadlineMs,
        medianPaise: d.medianPaise,
        sigma: d.sigma,
      };
    }),
    txnLimitPaise: s.topology.switch.txnLimitPaise,
    retryShare: s.traffic.retryShare,
    retryDelayMs: { ...s.traffic.retryDelayMs },
    unknownPayeeShare: s.traffic.unknownPayeeShare,
    systemInitiatedShare: s.traffic.systemInitiatedShare,
    startTimeOfDay: s.traffic.startTimeOfDay,
    pspWaitMs: s.topology.switch.pspWaitMs,
    statusPoll,
    faults: faultActions(s, topo).map((a) => ({
      atSec: a.atMs / 1000,
      kind: a.kind,
      action: a.action,
      target: a.target,
      ...(a.bank !== undefined ? { bank: a.bank } : {}),
      body: a.body ? { ...a.body } : null,
    })),
    thresholds: JSON.parse(JSON.stringify(s.thresholds ?? {})) as K6Plan['thresholds'],
  };
}
