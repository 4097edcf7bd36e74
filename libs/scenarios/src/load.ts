import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { ScenarioError } from './errors';
import type { Scenario, ScenarioOverrides } from './types';
import { validateScenario } from './validate';

export type ScenarioFormat = 'yaml' | 'json';

/** Reads, parses and validates a scenario file (`.json` is JSON, anything else YAML). */
export function loadScenario(path: string, overrides: ScenarioOverrides = {}): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ScenarioError(path, [`(file): cannot read: ${(e as Error).message}`]);
  }
  return parseScenario(text, extname(path).toLowerCase() === '.json' ? 'json' : 'yaml', path, overrides);
}

/**
 * Parses and validates scenario text. Overrides (command-line --seed/--scale/--duration and the
 * strategy flags) are
 * applied before validation, so a bad override is reported like a bad field.
 */
export function parseScenario(
  text: string,
  format: ScenarioFormat,
  source = '(scenario)',
  overrides: ScenarioOverrides = {},
): Scenario {
  const raw = format === 'json' ? parseJson(text, source) : parseYaml(text, source);
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const o = raw as Record<string, unknown>;
    if (overrides.seed !== undefined) o.seed = overrides.seed;
    if (overrides.scale !== undefined) o.scale = overrides.scale;
    if (overrides.durationSec !== undefined) o.durationSec = overrides.durationSec;
    if (
      overrides.scheduling !== undefined ||
      overrides.batch !== undefined ||
      overrides.breaker !== undefined
    ) {
      const st = (o.strategies ?? {}) as Record<string, unknown>;
      if (overrides.scheduling !== undefined) st.scheduling = overrides.scheduling;
      if (overrides.batch !== undefined) st.batch = { ...(st.batch as object), ...overrides.batch };
      if (overrides.breaker !== undefined) st.breaker = overrides.breaker;
      o.strategies = st;
    }
  }
  const s = validateScenario(raw, source);
  Object.defineProperty(s, 'source', { value: source, enumerable: false });
  return s;
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ScenarioError(source, [`(file): not valid JSON: ${(e as Error).message}`]);
  }
}

function parseYaml(text: string, source: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0)
    throw new ScenarioError(
      source,
      doc.errors.map((e) => `(file): not valid YAML: ${e.message.split('\n')[0]}`),
    );
  return doc.toJS() as unknown;
}
