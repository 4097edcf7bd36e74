import { join } from 'node:path';
import type { ReqPay, RespPay } from '../../libs/domain/src';
import { installVirtualGlobalClock } from '../../libs/resilience/src/virtual-global-clock';
import { EmbeddedSystem } from '../../libs/runtime/src';
import { loadScenario, type Scenario } from '../../libs/scenarios/src';
import { buildTopology, type Topology } from '../../libs/scenarios/src/topology';
import { VirtualTimers } from '../../libs/sim/src/virtual-timers';
import { TOPICS } from '../../libs/transport/src/topics';

/** The e2e tests' scenario: small, every bank healthy unless a test adds faults. */
export const SMOKE = join(__dirname, '../../scenarios/smoke.yaml');

/** smoke.yaml on `protocol`, the switch leader killed at `atSec` (and restarted 2 s later). */
export function leaderKill(
  seed: number,
  protocol: 'upi' | 'classic-2pc',
  o: { readonly durationSec: number; readonly atSec: number },
): Scenario {
  const base = loadScenario(SMOKE, { seed, durationSec: o.durationSec });
  return {
    ...base,
    topology: { ...base.topology, switch: { ...base.topology.switch, protocol } },
    faults: [...base.faults, { atSec: o.atSec, durationSec: 2, kind: 'switch-leader-kill' }],
  };
}

/** An embedded system on an installed virtual clock, for tests that talk to the switch as a PSP. */
export interface DirectSwitch {
  readonly timers: VirtualTimers;
  readonly sys: EmbeddedSystem;
  readonly topology: Topology;
  /** A cross-bank payment from the first account to the first one at another bank. */
  readonly payer: { readonly vpa: string; readonly account: string };
  payment(txnId: string, amountPaise?: number): ReqPay;
  /** Sends the ReqPay as a PSP would and lets `waitMs` (default 3 s) pass for its answer. */
  ask(req: ReqPay, waitMs?: number): Promise<RespPay>;
  /** Uninstalls the virtual clock (call in `finally`). */
  exit(): void;
}

export async function directSwitch(
  seed: number,
  switchReplicas?: number,
  /** Changes to smoke.yaml for the test (a start time of day, strategies…). */
  tweak: (s: Scenario) => Scenario = (s) => s,
): Promise<DirectSwitch> {
  const timers = new VirtualTimers();
  const exit = installVirtualGlobalClock(timers);
  try {
    const scenario = tweak(loadScenario(SMOKE, { seed, durationSec: 5 }));
    const topology = buildTopology(scenario);
    const sys = await EmbeddedSystem.start({
      scenario,
      topology,
      timers,
      ...(switchReplicas !== undefined ? { switchReplicas } : {}),
    });
    const [payer, payee] = [...topology.directory].filter(
      ([, d], i, all) => i === 0 || d.bank !== all[0]![1].bank,
    );
    return {
      timers,
      sys,
      topology,
      payer: { vpa: payer![0], account: payer![1].account },
      payment: (txnId, amountPaise = 12_345) => ({
        type: 'ReqPay',
        txnId,
        pspId: 'PHONEPE',
        payerVpa: payer![0],
        payeeVpa: payee![0],
        amountPaise,
        category: 'P2P',
        initiation: 'CUSTOMER',
        createdAt: timers.now(),
      }),
      ask: async (req, waitMs = 3000) => {
        const p = sys.bus.request<ReqPay, RespPay>(TOPICS.reqPay, req.payerVpa, { ...req }, 10_000);
        await timers.runUntil(timers.now() + waitMs);
        return p;
      },
      exit,
    };
  } catch (err) {
    exit();
    throw err;
  }
}
