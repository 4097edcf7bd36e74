import { join } from 'node:path';
import { loadScenario, ScenarioError, TrafficGenerator, buildTopology } from '.';
import { parseRateCsv, replayDurationSec, replaySegments } from './replay';

const problems = (text: string): string[] => {
  try {
    parseRateCsv(text, 'rates.csv');
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    expect((e as Error).message).toMatch(/^rates\.csv: invalid rate file/);
    return [...(e as ScenarioError).problems];
  }
  throw new Error('expected the file to be refused');
};

describe('parseRateCsv', () => {
  it('reads rows with or without a header, skipping blanks and comments', () => {
    const rows = [
      { timeSec: 0, rate: 10 },
      { timeSec: 1, rate: 12.5 },
      { timeSec: 3, rate: 0 },
    ];
    expect(parseRateCsv('time_s,rate\n0,10\n1,12.5\n\n# quiet\n3,0\n')).toEqual(rows);
    expect(parseRateCsv('0,10\r\n1, 12.5\r\n3 ,0')).toEqual(rows);
  });

  it('reports every bad row with its line number', () => {
    expect(problems('time_s,rate\n0,10\n1,-3\n1,4\nx,2\n5\n4,1,2\n')).toEqual([
      'line 3: rate must be >= 0, got -3',
      'line 4: time_s must increase; 1 follows 1',
      'line 5: time_s and rate must be numbers: "x,2"',
      'line 6: expected two columns time_s,rate, got 1: "5"',
      'line 7: expected two columns time_s,rate, got 3: "4,1,2"',
    ]);
  });

  it('refuses non-monotonic time, negative time and an empty file', () => {
    expect(problems('0,1\n5,1\n2,1')).toEqual(['line 3: time_s must increase; 2 follows 5']);
    expect(problems('-1,5')).toEqual(['line 1: time_s must be >= 0, got -1']);
    expect(problems('time_s,rate\n')).toEqual(['no rows: expected lines of time_s,rate']);
    expect(problems('when,how\n0,1')).toEqual(['line 1: time_s and rate must be numbers: "when,how"']);
  });
});

describe('replay segments', () => {
  it('holds each rate until the next row, the last for one second, scaled; nothing before the first row', () => {
    const pts = parseRateCsv('2,100\n4,300\n5,0');
    expect(replayDurationSec(pts)).toBe(6);
    expect(replaySegments(pts, 0.1)).toEqual([
      { fromSec: 0, toSec: 2, fromTps: 0, toTps: 0 },
      { fromSec: 2, toSec: 4, fromTps: 10, toTps: 10 },
      { fromSec: 4, toSec: 5, fromTps: 30, toTps: 30 },
      { fromSec: 5, toSec: 6, fromTps: 0, toTps: 0 },
    ]);
  });

  it('drives the one traffic generator: arrivals per second follow the file', () => {
    const s = loadScenario(join(__dirname, '../../../scenarios/smoke.yaml'), { durationSec: 40, seed: 3 });
    const pts = parseRateCsv(Array.from({ length: 40 }, (_, t) => `${t},${t < 20 ? 0 : 5000}`).join('\n'));
    const gen = new TrafficGenerator({ ...s, traffic: { ...s.traffic, retryShare: 0 } }, buildTopology(s), {
      segments: replaySegments(pts, s.scale),
    });
    const perSec = new Array<number>(40).fill(0);
    for (const a of gen) perSec[Math.floor(a.atMs / 1000)]!++;
    expect(perSec.slice(0, 20).every((n) => n === 0)).toBe(true);
    const busy = perSec.slice(20).reduce((a, n) => a + n, 0) / 20;
    // 5000 × 0.01 = 50/s: a Poisson mean over 20 s is within a few percent.
    expect(busy).toBeGreaterThan(45);
    expect(busy).toBeLessThan(55);
  });
});
