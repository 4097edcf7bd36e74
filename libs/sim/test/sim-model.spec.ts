import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScenarioError } from '../../scenarios/src';
import { applyModel, loadSimModel, SimModelError, validateSimModel } from '../src';
import { tinyScenario } from './fixtures';

describe('model file validation', () => {
  it('accepts a full model', () => {
    const m = validateSimModel({
      version: 1,
      switch: { fixedMs: 5, perTxnMs: 0.5 },
      hop: { medianMs: 2, p99Ms: 9 },
      raft: { fsyncMs: 1 },
      bank: { latencyFactor: 1.2, extraMs: 3 },
      calibration: { anything: true },
    });
    expect(m.hop?.p99Ms).toBe(9);
  });

  it.each([
    [[], /a model is a JSON object/],
    [{ version: 2 }, /version: must be 1/],
    [{ version: 1, extra: 1 }, /extra: unknown field/],
    [{ version: 1, hop: { medianMs: 2 } }, /hop.p99Ms: required/],
    [{ version: 1, hop: { medianMs: 5, p99Ms: 2 } }, /hop.p99Ms: must be >= medianMs/],
    [{ version: 1, switch: { fixedMs: -1 } }, /switch.fixedMs: must be a number >= 0/],
    [{ version: 1, switch: { fixedMs: 0, perTxnMs: 0 } }, /must take some time/],
    [{ version: 1, bank: { latencyFactor: 0 } }, /bank.latencyFactor: must be > 0/],
    [{ version: 1, raft: 'fast' }, /raft: must be an object/],
  ])('rejects %j', (raw, message) => {
    expect(() => validateSimModel(raw, 'm.json')).toThrow(SimModelError);
    expect(() => validateSimModel(raw, 'm.json')).toThrow(message);
  });

  it('names the file when it is not JSON or missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-model-'));
    writeFileSync(join(dir, 'bad.json'), '{ nope');
    expect(() => loadSimModel(join(dir, 'bad.json'))).toThrow(
      /bad\.json: invalid simulator model[\s\S]*not valid JSON/,
    );
    expect(() => loadSimModel(join(dir, 'missing.json'))).toThrow(/cannot read/);
  });

  it('applies switch and bank service times to a copy of the scenario', () => {
    const s = tinyScenario();
    const t = applyModel(s, {
      version: 1,
      switch: { fixedMs: 4, perTxnMs: 1 },
      bank: { latencyFactor: 2, extraMs: 1 },
    });
    expect(t.topology.switch.stage).toMatchObject({ fixedMs: 4, perTxnMs: 1 });
    expect(t.topology.banks[0]!.latencyMs).toEqual({ p50: 41, p99: 121 });
    expect(s.topology.banks[0]!.latencyMs).toEqual({ p50: 20, p99: 60 });
  });
});

describe('scenario network and plan sections', () => {
  it.each([
    ['network:\n  banks: { AXIS: Delhi }', /network.banks.AXIS: no bank 'AXIS'/],
    [
      'network:\n  switchReplicas: [{ id: MUM, region: Mumbai, capacityTps: 1 }]\n  events: [{ atSec: 1, kind: failover, to: DEL, outageSec: 1 }]',
      /network.events\[0\].to: no replica 'DEL'/,
    ],
    ['network:\n  events: [{ atSec: 1, kind: region-latency, region: Delhi }]', /extraMs: required/],
    ['plan:\n  variables: [{ knob: cpu.speed, values: [1] }]', /unknown knob 'cpu.speed'/],
    ['plan:\n  variables: [{ knob: strategy, values: [lifo] }]', /a strategy is one of/],
    ['plan:\n  variables: [{ knob: batch.size, values: [10, 20], costs: [1] }]', /1 costs for 2 values/],
    ['plan:\n  variables: [{ knob: bank.AXIS.capacityTps, values: [1] }]', /no bank 'AXIS'/],
  ])('rejects %j', (extra, message) => {
    expect(() => tinyScenario({ extra })).toThrow(ScenarioError);
    expect(() => tinyScenario({ extra })).toThrow(message);
  });
});
