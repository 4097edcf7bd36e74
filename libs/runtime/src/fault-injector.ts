import {
  bankFaultAt,
  bankFaultState,
  latestInForce,
  throttleBody,
  type Fault,
  type ServiceFault,
} from '../../scenarios/src';
import { adminCall, type AdminAnswer } from './live/admin-call';
import type { SwitchReplicaView } from '../../switch/src/replication';
import type { Topology } from '../../scenarios/src/topology';

/** One admin call of the fault timeline, as the result reports it. */
export interface FaultEvent {
  /** Seconds since the start of the run when the call was made. */
  readonly atSec: number;
  readonly kind: string;
  /** The bank, PSP instance or switch replica acted on. */
  readonly target: string;
  readonly action: 'set' | 'clear';
  readonly ok: boolean;
  readonly detail?: string;
}

/** Where the admin routes are, and the token they need. */
export interface FaultTargets {
  readonly pspUrls: readonly string[];
  readonly switchUrls: readonly string[];
  readonly banks: readonly { readonly url: string; readonly banks: readonly string[] }[];
  readonly adminToken?: string;
  /**
   * Starts a killed switch replica again (the stack's `stack start switch-N`: it catches up from its
   * log file). Without it, a replica a `switch-leader-kill` fault crashed stays down.
   */
  readonly restartSwitch?: (url: string) => Promise<void>;
}

type RaftView = SwitchReplicaView;

/**
 * Applies a scenario's faults to the live services through their admin API (loopback, bearer token):
 * bank faults on the process hosting the bank, a PSP throttle on every PSP instance (the rate split
 * between them), and a switch leader kill (find the leader with `GET /admin/raft`, then
 * `POST /admin/crash` on it; `durationSec` later the replica is started again, as the embedded
 * runner restarts it). Every call is logged, successful or not; nothing here throws.
 *
 * A run leaves the stack as it found it: `clearInForce` undoes every fault set and not yet cleared
 * (one lasting past the end of the run, or a run cut short), so the next run does not inherit it.
 */
export class FaultInjector {
  readonly events: FaultEvent[] = [];
  /** Faults set and not cleared yet. */
  private readonly inForce = new Set<Fault | ServiceFault>();
  /** The replica each leader-kill fault crashed, to start again when it clears. */
  private readonly killed = new Map<ServiceFault, string>();
  /** Calls under way (a replica's restart takes seconds): the end of a run waits for them. */
  private readonly underway = new Set<Promise<void>>();
  private readonly bankFaults: readonly Fault[];
  private readonly throttles: readonly ServiceFault[];

  constructor(
    private readonly t: FaultTargets,
    private readonly topology: Topology,
    private readonly scale: number,
    private readonly rel: () => number,
    /**
     * The scenario's faults (`faultTimeline`, `serviceFaultTimeline`): a bank's state, and the PSPs'
     * throttle, at any instant come from all of those on it (overlapping ones nest).
     */
    timeline: { readonly banks?: readonly Fault[]; readonly services?: readonly ServiceFault[] } = {},
  ) {
    this.bankFaults = timeline.banks ?? [];
    this.throttles = (timeline.services ?? []).filter((f) => f.spec.kind === 'psp-throttle');
  }

  /**
   * A bank fault of the timeline starts or ends: the bank takes the fault in force at that instant
   * (`bankFaultAt`: overlapping faults nest, so the end of an inner one puts the outer one back).
   */
  async bank(f: Fault, on: boolean): Promise<void> {
    if (!this.track(f, on)) return;
    await this.running(
      this.applyBank(f, on, bankFaultAt(withFault(this.bankFaults, f), f.bank, on ? f.atMs : f.untilMs)),
    );
  }

  private async applyBank(f: Fault, on: boolean, now: Fault | null): Promise<void> {
    const host = this.t.banks.find((b) => b.banks.includes(f.bank));
    if (!host) return this.log(f.kind, f.bank, on, false, 'no bank process hosts it');
    const body = now ? bankFaultState(now) : undefined;
    const r = await this.call(
      body ? 'PUT' : 'DELETE',
      `${host.url}/admin/banks/${encodeURIComponent(f.bank)}/fault`,
      body,
    );
    const back = !on && now ? `${now.kind} from ${now.atMs / 1000} s in force again` : undefined;
    this.log(
      f.kind,
      f.bank,
      on,
      r.ok,
      [r.detail, back].filter((x) => x !== undefined).join('; ') || undefined,
    );
  }

  async service(f: ServiceFault, on: boolean): Promise<void> {
    if (!this.track(f, on)) return;
    await this.running(on ? this.serviceOn(f) : this.serviceOff(f));
  }

  private async serviceOn(f: ServiceFault): Promise<void> {
    const kind: string = f.spec.kind;
    if (kind === 'psp-throttle') return this.throttle(f, true, this.throttleAt(f, f.atMs));
    if (kind === 'switch-leader-kill') return this.killLeader(f);
    this.log(kind, '-', true, false, 'this driver does not know the fault kind');
  }

  private async serviceOff(f: ServiceFault, final = false): Promise<void> {
    const kind: string = f.spec.kind;
    if (kind === 'psp-throttle') return this.throttle(f, false, final ? null : this.throttleAt(f, f.untilMs));
    if (kind === 'switch-leader-kill') return this.restartKilled(f);
    this.log(kind, '-', false, false, 'this driver does not know the fault kind');
  }

  /**
   * The end of a run: waits for the calls under way, then clears every fault still in force — a
   * bank's fault and the PSPs' throttle lifted, a crashed replica started again.
   */
  async clearInForce(): Promise<void> {
    await Promise.allSettled([...this.underway]);
    const left = [...this.inForce];
    this.inForce.clear();
    await Promise.all(
      left.map((f) => ('spec' in f ? this.serviceOff(f, true) : this.applyBank(f, false, null))),
    );
  }

  private running(p: Promise<void>): Promise<void> {
    this.underway.add(p);
    return p.finally(() => this.underway.delete(p));
  }

  /** False for a clear of a fault that is not in force (never set, or cleared already): nothing to undo. */
  private track(f: Fault | ServiceFault, on: boolean): boolean {
    if (on) {
      this.inForce.add(f);
      return true;
    }
    return this.inForce.delete(f);
  }

  /** The throttle in force at `atMs`: a PSP process holds one, so overlapping throttles nest. */
  private throttleAt(f: ServiceFault, atMs: number): ServiceFault | null {
    return latestInForce(withFault(this.throttles, f), atMs);
  }

  private async throttle(f: ServiceFault, on: boolean, now: ServiceFault | null): Promise<void> {
    // Each instance admits its share: the PSP as a whole admits ratePerSec (scaled).
    const body = now ? throttleBody(now.spec, this.topology, this.scale, this.t.pspUrls.length) : undefined;
    const back =
      !on && now
        ? `psp-throttle from ${now.atMs / 1000} s (${now.spec.psp ?? 'all'}) in force again`
        : undefined;
    await Promise.all(
      this.t.pspUrls.map(async (url) => {
        const r = await this.call(body ? 'PUT' : 'DELETE', `${url}/admin/throttle`, body);
        const detail = [r.detail, back].filter((x) => x !== undefined).join('; ') || undefined;
        this.log('psp-throttle', `${f.spec.psp ?? 'all'}@${url}`, on, r.ok, detail);
      }),
    );
  }

  /** The replica that says it leads in the highest term is killed; the others elect a new one. */
  private async killLeader(f: ServiceFault): Promise<void> {
    const views = await Promise.all(
      this.t.switchUrls.map(async (url) => {
        const r = await this.call('GET', `${url}/admin/raft`);
        return r.ok && r.body ? { url, view: r.body as RaftView } : null;
      }),
    );
    const leaders = views
      .filter((v): v is { url: string; view: RaftView } => v !== null && v.view.role === 'leader')
      .sort((a, b) => b.view.term - a.view.term);
    const leader = leaders[0];
    if (!leader)
      return this.log('switch-leader-kill', 'switch', true, false, 'no replica reports itself leader');
    const r = await this.call('POST', `${leader.url}/admin/crash`);
    // The crashed process may close the connection before answering: that is success too.
    const ok = r.ok || r.detail === 'connection closed';
    if (ok) this.killed.set(f, leader.url);
    this.log(
      'switch-leader-kill',
      `${leader.url} (id ${leader.view.id}, term ${leader.view.term})`,
      true,
      ok,
      ok ? undefined : r.detail,
    );
  }

  /** Starts the replica the fault crashed again, when the targets say how (a stack's replica). */
  private async restartKilled(f: ServiceFault): Promise<void> {
    const url = this.killed.get(f);
    this.killed.delete(f);
    if (url === undefined || !this.t.restartSwitch) return;
    try {
      await this.t.restartSwitch(url);
      this.log('switch-leader-kill', url, false, true);
    } catch (err) {
      this.log('switch-leader-kill', url, false, false, err instanceof Error ? err.message : String(err));
    }
  }

  private call(method: string, url: string, body?: object): Promise<AdminAnswer> {
    return adminCall(method, url, this.t.adminToken, body);
  }

  private log(kind: string, target: string, on: boolean, ok: boolean, detail?: string): void {
    const e: FaultEvent = {
      atSec: Math.round(this.rel()) / 1000,
      kind,
      target,
      action: on ? 'set' : 'clear',
      ok,
      ...(detail !== undefined ? { detail } : {}),
    };
    this.events.push(e);
    if (!ok) console.warn(`fault ${e.action} ${kind} on ${target} failed: ${detail ?? ''}`);
  }
}

/** The timeline with `f` in it: a fault handed in is part of the run's timeline whether or not it was listed. */
function withFault<T>(timeline: readonly T[], f: T): readonly T[] {
  return timeline.includes(f) ? timeline : [...timeline, f];
}
