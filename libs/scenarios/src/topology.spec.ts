import { join } from 'node:path';
import { parseVpa } from '../../domain/src';
import { buildTopology, loadScenario } from '.';

const dir = join(__dirname, '../../../scenarios');

describe('buildTopology', () => {
  it.each(['smoke', 'normal-day', 'diwali', 'nye'])(
    '%s: a directory entry for every VPA, consistent with its handle',
    (name) => {
      const s = loadScenario(join(dir, `${name}.yaml`));
      const t = buildTopology(s);
      const total = s.topology.banks.reduce((a, b) => a + b.accounts, 0);
      expect(t.accounts).toHaveLength(total);
      expect(new Set(t.accounts.map((a) => a.account)).size).toBe(total);
      expect(new Set(t.accounts.map((a) => a.vpa)).size).toBe(total);
      expect(t.directory.size).toBe(total);
      const bad: string[] = [];
      for (const a of t.accounts) {
        const entry = t.directory.get(a.vpa);
        if (!entry || entry.bank !== a.bank || entry.account !== a.account)
          bad.push(`${a.vpa}: directory ${JSON.stringify(entry)}`);
        // The VPA's handle names the PSP that issued it.
        else if (t.handles.get(parseVpa(a.vpa)!.handle) !== entry.psp)
          bad.push(`${a.vpa}: handle not of PSP ${entry.psp}`);
        const range = s.topology.banks.find((x) => x.id === a.bank)!.openingBalancePaise;
        if (!Number.isInteger(a.balancePaise) || a.balancePaise < range.min || a.balancePaise > range.max)
          bad.push(`${a.account}: opening balance ${a.balancePaise}`);
      }
      expect(bad.slice(0, 5)).toEqual([]);
      expect(t.openingPaise).toBe(t.accounts.reduce((a, x) => a + x.balancePaise, 0));
      expect(t.payers).toHaveLength(total);
      expect(new Set(t.psps.flatMap((p) => p.vpas))).toEqual(new Set(t.payers));
      for (const p of t.psps) expect(p.vpas.filter((v) => t.directory.get(v)!.psp !== p.id)).toEqual([]);
    },
  );

  it('issues VPAs to PSPs in proportion to their shares, at least one each', () => {
    const s = loadScenario(join(dir, 'nye.yaml'));
    const t = buildTopology(s);
    const total = t.accounts.length;
    for (const p of t.psps) {
      expect(p.vpas.length).toBeGreaterThanOrEqual(1);
      expect(Math.abs(p.vpas.length - p.share * total)).toBeLessThanOrEqual(1);
    }
  });

  it('scales capacities but not accounts, and turns p50/p99 into a log-normal sigma', () => {
    const s = loadScenario(join(dir, 'nye.yaml'));
    const t = buildTopology(s);
    const sbi = t.banks.find((b) => b.id === 'SBI')!;
    expect(sbi.specCapacityTps).toBe(15000);
    expect(sbi.capacityTps).toBeCloseTo(180, 6);
    expect(sbi.accounts).toBe(900);
    // exp(sigma * z99) * p50 gives back p99.
    expect(sbi.latencyP50Ms * Math.exp(sbi.latencySigma * 2.3263478740408408)).toBeCloseTo(
      sbi.latencyP99Ms,
      6,
    );
    expect(t.switch).toBe(s.topology.switch);
  });

  it('is deterministic from the seed, and the seed matters', () => {
    const file = join(dir, 'nye.yaml');
    const a = buildTopology(loadScenario(file));
    const b = buildTopology(loadScenario(file));
    const c = buildTopology(loadScenario(file, { seed: 1 }));
    expect(b.accounts).toEqual(a.accounts);
    expect([...b.directory]).toEqual([...a.directory]);
    expect(c.accounts).not.toEqual(a.accounts);
  });

  it('builds a few thousand accounts for the festival scenarios', () => {
    const s = loadScenario(join(dir, 'nye.yaml'));
    const t = buildTopology(s);
    expect(t.accounts.length).toBeGreaterThan(2000);
    expect(t.accounts.length).toBeLessThan(10000);
  });
});
