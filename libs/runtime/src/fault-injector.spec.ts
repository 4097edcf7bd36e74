import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { buildTopology, loadScenario, type ServiceFault } from '../../scenarios/src';
import { FaultInjector } from './fault-injector';

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly auth: string | undefined;
  readonly body: string;
}

/** A stand-in service on 127.0.0.1 that records every request and answers from `answer`. */
async function service(answer: (method: string, path: string) => [number, object | null]) {
  const seen: Seen[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, path: req.url!, auth: req.headers.authorization, body });
      const [status, json] = answer(req.method!, req.url!);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(json ? JSON.stringify(json) : '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  return { url, seen, close };
}

const scenario = loadScenario(join(__dirname, '../../../scenarios/smoke.yaml'));
const topology = buildTopology(scenario);
const fault = (spec: object): ServiceFault => ({
  spec: { atSec: 1, durationSec: 2, ...spec } as ServiceFault['spec'],
  atMs: 1000,
  untilMs: 3000,
});
const raft =
  (role: string, term: number) =>
  (m: string, p: string): [number, object | null] =>
    p === '/admin/raft'
      ? [200, { id: 1, role, term, leader: 0, commit: 5 }]
      : m === 'POST'
        ? [202, { crashing: true }]
        : [404, null];

describe('FaultInjector', () => {
  it('switch-leader-kill: crashes the replica that leads in the highest term, with the token', async () => {
    const follower = await service(raft('follower', 3));
    const leader = await service(raft('leader', 3));
    const stale = await service(raft('leader', 2));
    const inj = new FaultInjector(
      { pspUrls: [], switchUrls: [follower.url, stale.url, leader.url], banks: [], adminToken: 'tok' },
      topology,
      scenario.scale,
      () => 1000,
    );
    await inj.service(fault({ kind: 'switch-leader-kill' }), true);
    // Without a way to start it again (targets that are not a stack's), it stays down.
    await inj.service(fault({ kind: 'switch-leader-kill' }), false);
    expect(leader.seen.map((s) => `${s.method} ${s.path} ${s.auth}`)).toEqual([
      'GET /admin/raft Bearer tok',
      'POST /admin/crash Bearer tok',
    ]);
    expect(follower.seen.map((s) => s.method)).toEqual(['GET']);
    expect(stale.seen.map((s) => s.method)).toEqual(['GET']);
    expect(inj.events).toEqual([
      {
        atSec: 1,
        kind: 'switch-leader-kill',
        target: `${leader.url} (id 1, term 3)`,
        action: 'set',
        ok: true,
      },
    ]);
    await Promise.all([follower.close(), leader.close(), stale.close()]);
  });

  it('switch-leader-kill with no leader: logged as failed, nothing crashed', async () => {
    const a = await service(raft('candidate', 4));
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const inj = new FaultInjector({ pspUrls: [], switchUrls: [a.url], banks: [] }, topology, 1, () => 0);
    await inj.service(fault({ kind: 'switch-leader-kill' }), true);
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
    expect(a.seen.map((s) => s.method)).toEqual(['GET']);
    expect(inj.events[0]).toMatchObject({ ok: false, detail: 'no replica reports itself leader' });
    await a.close();
  });

  it('psp-throttle: each instance gets its share of the scaled rate and the PSP handles; cleared at the end', async () => {
    const p1 = await service(() => [200, {}]);
    const p2 = await service(() => [204, null]);
    const inj = new FaultInjector(
      { pspUrls: [p1.url, p2.url], switchUrls: [], banks: [], adminToken: 't' },
      topology,
      0.01,
      () => 0,
    );
    const f = fault({ kind: 'psp-throttle', psp: 'PAYTM', ratePerSec: 1000, status: 503 });
    await inj.service(f, true);
    await inj.service(f, false);
    for (const p of [p1, p2]) {
      expect(p.seen.map((s) => `${s.method} ${s.path}`)).toEqual([
        'PUT /admin/throttle',
        'DELETE /admin/throttle',
      ]);
      expect(JSON.parse(p.seen[0]!.body)).toEqual({ ratePerSec: 5, status: 503, handles: ['paytm'] });
    }
    expect(inj.events.every((e) => e.ok)).toBe(true);
    await Promise.all([p1.close(), p2.close()]);
  });

  it('switch-leader-kill on a stack: the crashed replica is started again when the fault clears', async () => {
    const leader = await service(raft('leader', 7));
    const restarted: string[] = [];
    const inj = new FaultInjector(
      {
        pspUrls: [],
        switchUrls: [leader.url],
        banks: [],
        restartSwitch: (url) => {
          restarted.push(url);
          return Promise.resolve();
        },
      },
      topology,
      1,
      () => 3000,
    );
    const f = fault({ kind: 'switch-leader-kill' });
    await inj.service(f, true);
    expect(restarted).toEqual([]);
    await inj.service(f, false);
    await inj.service(f, false); // cleared already: nothing more
    expect(restarted).toEqual([leader.url]);
    expect(inj.events.map((e) => `${e.action} ${e.target} ${e.ok}`)).toEqual([
      `set ${leader.url} (id 1, term 7) true`,
      `clear ${leader.url} true`,
    ]);
    await leader.close();
  });

  it('a replica that cannot be started again is logged as failed, not thrown', async () => {
    const leader = await service(raft('leader', 2));
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const inj = new FaultInjector(
      {
        pspUrls: [],
        switchUrls: [leader.url],
        banks: [],
        restartSwitch: () => Promise.reject(new Error('switch-1 is still running: not restarted')),
      },
      topology,
      1,
      () => 0,
    );
    const f = fault({ kind: 'switch-leader-kill' });
    await inj.service(f, true);
    await inj.service(f, false);
    expect(inj.events[1]).toMatchObject({
      action: 'clear',
      ok: false,
      detail: 'switch-1 is still running: not restarted',
    });
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
    await leader.close();
  });

  it('clearInForce undoes what is still set at the end of a run, and nothing else', async () => {
    const bank = await service(() => [204, null]);
    const psp = await service(() => [204, null]);
    const leader = await service(raft('leader', 3));
    const restarted: string[] = [];
    const bankFault = (b: string) => ({
      kind: 'bank-down' as const,
      bank: b,
      atMs: 0,
      untilMs: 90_000,
      durationMs: 90_000,
      extraLatencyMs: 0,
    });
    const outlasting = bankFault('KOTAK');
    const over = bankFault('HDFC');
    const inj = new FaultInjector(
      {
        pspUrls: [psp.url],
        switchUrls: [leader.url],
        banks: [{ url: bank.url, banks: ['KOTAK', 'HDFC'] }],
        restartSwitch: (url) => {
          restarted.push(url);
          return Promise.resolve();
        },
      },
      topology,
      1,
      () => 0,
      { banks: [outlasting, over] },
    );
    const kill = fault({ kind: 'switch-leader-kill' });
    const neverSet = fault({ kind: 'psp-throttle', ratePerSec: 10 });
    await inj.bank(outlasting, true);
    await inj.bank(over, true);
    await inj.bank(over, false);
    await inj.service(kill, true);
    await inj.clearInForce();
    await inj.clearInForce(); // twice: nothing left the second time
    expect(bank.seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      'PUT /admin/banks/KOTAK/fault',
      'PUT /admin/banks/HDFC/fault',
      'DELETE /admin/banks/HDFC/fault',
      'DELETE /admin/banks/KOTAK/fault',
    ]);
    expect(restarted).toEqual([leader.url]);
    expect(psp.seen).toEqual([]);
    // A clear that comes after the end of the run finds nothing to undo.
    await inj.service(neverSet, false);
    await inj.bank(outlasting, false);
    expect(bank.seen).toHaveLength(4);
    expect(psp.seen).toEqual([]);
    await Promise.all([bank.close(), psp.close(), leader.close()]);
  });

  it('overlapping faults on one bank nest: the end of the inner one puts the outer one back', async () => {
    const bank = await service(() => [200, {}]);
    const f = (kind: 'bank-slow' | 'bank-down', atSec: number, untilSec: number) => ({
      kind,
      bank: 'HDFC',
      atMs: atSec * 1000,
      untilMs: untilSec * 1000,
      durationMs: (untilSec - atSec) * 1000,
      extraLatencyMs: kind === 'bank-slow' ? 300 : 0,
    });
    const slow = f('bank-slow', 10, 60);
    const down = f('bank-down', 30, 35);
    const inj = new FaultInjector(
      { pspUrls: [], switchUrls: [], banks: [{ url: bank.url, banks: ['HDFC'] }] },
      topology,
      1,
      () => 0,
      { banks: [slow, down] },
    );
    // In timeline order, as the run's timers call them.
    await inj.bank(slow, true);
    await inj.bank(down, true);
    await inj.bank(down, false);
    await inj.bank(slow, false);
    expect(bank.seen.map((x) => `${x.method} ${x.body}`)).toEqual([
      'PUT {"kind":"slow","extraLatencyMs":300}',
      'PUT {"kind":"down"}',
      'PUT {"kind":"slow","extraLatencyMs":300}',
      'DELETE ',
    ]);
    expect(inj.events[2]).toMatchObject({
      action: 'clear',
      kind: 'bank-down',
      ok: true,
      detail: 'bank-slow from 10 s in force again',
    });
    await bank.close();
  });

  it('overlapping PSP throttles nest: a PSP process holds one, and the outer one comes back', async () => {
    const psp = await service(() => [200, {}]);
    const t = (psp: string, ratePerSec: number, atSec: number, untilSec: number): ServiceFault => ({
      spec: {
        atSec,
        durationSec: untilSec - atSec,
        kind: 'psp-throttle',
        psp,
        ratePerSec,
      } as ServiceFault['spec'],
      atMs: atSec * 1000,
      untilMs: untilSec * 1000,
    });
    const outer = t('PAYTM', 1000, 10, 40);
    const inner = t('PHONEPE', 500, 20, 30);
    const inj = new FaultInjector({ pspUrls: [psp.url], switchUrls: [], banks: [] }, topology, 1, () => 0, {
      services: [outer, inner],
    });
    await inj.service(outer, true);
    await inj.service(inner, true);
    await inj.service(inner, false);
    await inj.service(outer, false);
    const handles = (id: string) => topology.psps.find((p) => p.id === id)!.handles;
    expect(psp.seen.map((x) => `${x.method} ${x.body}`)).toEqual([
      `PUT ${JSON.stringify({ ratePerSec: 1000, status: 429, handles: handles('PAYTM') })}`,
      `PUT ${JSON.stringify({ ratePerSec: 500, status: 429, handles: handles('PHONEPE') })}`,
      // Before, the inner one's end took the outer one off too.
      `PUT ${JSON.stringify({ ratePerSec: 1000, status: 429, handles: handles('PAYTM') })}`,
      'DELETE ',
    ]);
    expect(inj.events[2]).toMatchObject({
      action: 'clear',
      target: `PHONEPE@${psp.url}`,
      detail: 'psp-throttle from 10 s (PAYTM) in force again',
    });
    await psp.close();
  });

  it('at the end, overlapping throttles still in force are lifted, and a restart under way is waited for', async () => {
    const psp = await service(() => [200, {}]);
    const leader = await service(raft('leader', 4));
    const t = (atSec: number, untilSec: number, kind = 'psp-throttle'): ServiceFault => ({
      spec: { atSec, durationSec: untilSec - atSec, kind, ratePerSec: 100 } as ServiceFault['spec'],
      atMs: atSec * 1000,
      untilMs: untilSec * 1000,
    });
    const outer = t(10, 100);
    const inner = t(20, 90);
    const kill = t(5, 8, 'switch-leader-kill');
    let restartDone = false;
    let finishRestart = () => {};
    const inj = new FaultInjector(
      {
        pspUrls: [psp.url],
        switchUrls: [leader.url],
        banks: [],
        restartSwitch: () =>
          new Promise<void>((r) => {
            finishRestart = () => {
              restartDone = true;
              r();
            };
          }),
      },
      topology,
      1,
      () => 0,
      { services: [kill, outer, inner] },
    );
    await inj.service(kill, true);
    const restarting = inj.service(kill, false); // under way when the run ends
    await inj.service(outer, true);
    await inj.service(inner, true);
    const ended = inj.clearInForce();
    await new Promise((r) => setTimeout(r, 50));
    expect(restartDone).toBe(false);
    expect(psp.seen.map((x) => x.method)).toEqual(['PUT', 'PUT']); // nothing cleared before the restart
    finishRestart();
    await Promise.all([ended, restarting]);
    // Both throttles lifted, not the outer one put back.
    expect(psp.seen.map((x) => x.method)).toEqual(['PUT', 'PUT', 'DELETE', 'DELETE']);
    await Promise.all([psp.close(), leader.close()]);
  });

  it('a refused call (401) is logged as failed, not thrown', async () => {
    const bank = await service(() => [401, { error: { code: 'UNAUTHORIZED' } }]);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const down = {
      kind: 'bank-down' as const,
      bank: 'KOTAK',
      atMs: 0,
      untilMs: 1,
      durationMs: 1,
      extraLatencyMs: 0,
    };
    const inj = new FaultInjector(
      { pspUrls: [], switchUrls: [], banks: [{ url: bank.url, banks: ['KOTAK'] }] },
      topology,
      1,
      () => 0,
      { banks: [down] },
    );
    await inj.bank(down, true);
    expect(bank.seen[0]).toMatchObject({ method: 'PUT', path: '/admin/banks/KOTAK/fault', auth: undefined });
    expect(inj.events[0]).toMatchObject({ ok: false, detail: 'HTTP 401' });
    warn.mockRestore();
    await bank.close();
  });
});
