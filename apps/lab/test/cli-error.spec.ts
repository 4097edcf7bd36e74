import { InputError } from '../../../libs/domain/src';
import { ConfigError } from '../../../libs/runtime/src/live/env';
import { ResilienceConfigError } from '../../../libs/resilience/src/settings';
import { ScenarioError } from '../../../libs/scenarios/src';
import { runPlan } from '../../../libs/sim/src/plan-run';
import { SimModelError, loadSimModel } from '../../../libs/sim/src/sim-model';
import { parseSlo, SloError } from '../../../libs/sim/src/slo';
import { loadScenario } from '../../../libs/scenarios/src';
import { cliErrorText } from '../src/cli-error';
import { ReportInputError } from '../src/report-io';
import { parseRates } from '../src/sim/calibrate.command';
import { recommendedConfig } from '../src/sim/simulate.command';

describe('the CLI prints bad input as its message alone, anything else with its stack', () => {
  it('every kind of input error is an InputError', () => {
    for (const e of [
      new ScenarioError('s.yaml', ['traffic: is required']),
      new SloError('bad SLO'),
      new SimModelError('m.json', ['hop: bad']),
      new ReportInputError('r.json: not JSON'),
      new ConfigError('UPI_PORT must be a port'),
      new ResilienceConfigError('breaker.timeoutMs: bad'),
    ]) {
      expect(e).toBeInstanceOf(InputError);
      expect(cliErrorText(e)).toBe(e.message);
      expect(cliErrorText(e)).not.toMatch(/\n\s+at /);
    }
  });

  it('a bug keeps its stack trace', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
    expect(cliErrorText(bug)).toBe(bug.stack);
    expect(cliErrorText('thrown string')).toBe('thrown string');
  });

  it('input the commands refuse is an InputError', async () => {
    const noPlan = loadScenario('scenarios/smoke.yaml');
    const refused: unknown[] = [];
    await runPlan(noPlan, parseSlo('success>=99'), { version: 1 }).catch((e: unknown) => refused.push(e));
    for (const f of [
      () => parseRates('50,x'),
      () => recommendedConfig('/nonexistent/plan.json'),
      () => loadSimModel('/nonexistent/model.json'),
      () => parseSlo('success>=abc'),
    ]) {
      try {
        f();
      } catch (e) {
        refused.push(e);
      }
    }
    expect(refused).toHaveLength(5);
    for (const e of refused) {
      expect(e).toBeInstanceOf(InputError);
      expect(cliErrorText(e)).not.toMatch(/\n\s+at /);
    }
    expect(cliErrorText(refused[0])).toMatch(/smoke\.yaml: invalid scenario\n {2}- plan: missing/);
  });
});
