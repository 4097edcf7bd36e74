/**
 * Breaker and limit settings, as the scenario file spells them (`strategies.breaker`), with the
 * defaults used when a field is left out. Every setting is explicit here so a run's result JSON
 * can name exactly what it ran with. See libs/resilience/README.md for the table.
 */
import { InputError } from '../../domain/src/input-error';

/** A fixed-threshold circuit breaker (opossum) toward one destination. */
export interface BreakerSettings {
  /** A leg unanswered this long counts as a failure (opossum `timeout`); 0 = only the caller's own timeouts count. */
  readonly timeoutMs: number;
  /** Failure rate in the rolling window above which the circuit opens (opossum `errorThresholdPercentage`). */
  readonly errorThresholdPercentage: number;
  /** Legs the window must hold before the rate is judged (opossum `volumeThreshold`; its default 0 opens on one failure). */
  readonly volumeThreshold: number;
  /** Length of the rolling window (opossum `rollingCountTimeout`). */
  readonly rollingCountTimeoutMs: number;
  /** Buckets the window is split into (opossum `rollingCountBuckets`): the window slides one bucket at a time. */
  readonly rollingCountBuckets: number;
  /** Time an open circuit waits before admitting one trial leg (opossum `resetTimeout`). */
  readonly resetTimeoutMs: number;
  /** Legs in flight at once toward the destination (opossum `capacity`); 0 = unlimited. Refusals count as failures in opossum. */
  readonly capacity: number;
}

export const DEFAULT_BREAKER_SETTINGS: BreakerSettings = {
  timeoutMs: 5_000,
  errorThresholdPercentage: 50,
  volumeThreshold: 20,
  rollingCountTimeoutMs: 10_000,
  rollingCountBuckets: 10,
  resetTimeoutMs: 10_000,
  capacity: 0,
};

/** Additive increase, multiplicative decrease (Netflix concurrency-limits `AIMDLimit`). */
export interface AimdSettings {
  readonly algorithm: 'aimd';
  readonly initialLimit: number;
  readonly minLimit: number;
  readonly maxLimit: number;
  /** Factor applied to the limit on a drop (0.5–1). */
  readonly backoffRatio: number;
  /** A success slower than this counts as a drop; 0 = latency is ignored. */
  readonly timeoutMs: number;
}

/** Gradient of the no-load RTT to the current RTT (after Netflix `Gradient2Limit`; see limits.ts). */
export interface GradientSettings {
  readonly algorithm: 'gradient';
  readonly initialLimit: number;
  readonly minLimit: number;
  readonly maxLimit: number;
  /** Weight of each new estimate (0–1]: lower is steadier, slower to follow. */
  readonly smoothing: number;
  /** Short RTT may exceed long RTT by this factor before the limit shrinks (≥ 1). */
  readonly rttTolerance: number;
  /** Windows between re-measurements of the no-load RTT (the limit is cut below capacity for about two RTTs); 0 = never. */
  readonly probeInterval: number;
  /** Fewest samples in a window (a window is otherwise about one RTT: as many samples as the limit). */
  readonly minWindowSamples: number;
  /** Queue allowance added to the limit each update, so the limit can probe upward. */
  readonly queueSize: number;
}

export type LimitSettings = AimdSettings | GradientSettings;

export const DEFAULT_AIMD_SETTINGS: AimdSettings = {
  algorithm: 'aimd',
  initialLimit: 20,
  minLimit: 1,
  maxLimit: 1_000,
  backoffRatio: 0.9,
  timeoutMs: 5_000,
};

export const DEFAULT_GRADIENT_SETTINGS: GradientSettings = {
  algorithm: 'gradient',
  initialLimit: 20,
  minLimit: 1,
  maxLimit: 1_000,
  smoothing: 0.2,
  rttTolerance: 1.5,
  probeInterval: 100,
  minWindowSamples: 10,
  queueSize: 4,
};

/**
 * The breaker strategy of a run, used at the switch (per destination bank) and at each PSP
 * (toward the switch):
 * - `off`: nothing is refused; failures reach the payer as they happen.
 * - `fixed`: opossum circuit breakers with fixed thresholds.
 * - `adaptive`: an adaptive concurrency limit per destination instead of a breaker.
 */
export type BreakerStrategy =
  | { readonly policy: 'off' }
  | ({ readonly policy: 'fixed' } & BreakerSettings)
  | ({ readonly policy: 'adaptive' } & LimitSettings);

export type BreakerPolicy = BreakerStrategy['policy'];
export const BREAKER_POLICIES: readonly BreakerPolicy[] = ['off', 'fixed', 'adaptive'];

/** Thrown for a malformed strategy or setting; the message names the field. */
export class ResilienceConfigError extends InputError {
  override readonly name = 'ResilienceConfigError';
}

type Rule = readonly [min: number, max: number, integer: boolean];

const BREAKER_RULES: Record<keyof BreakerSettings, Rule> = {
  timeoutMs: [0, 3_600_000, false],
  errorThresholdPercentage: [0, 100, false],
  volumeThreshold: [0, 1_000_000, true],
  rollingCountTimeoutMs: [1, 86_400_000, false],
  rollingCountBuckets: [1, 10_000, true],
  resetTimeoutMs: [1, 86_400_000, false],
  capacity: [0, 1_000_000_000, true],
};

const LIMIT_COMMON_RULES = {
  initialLimit: [1, 1_000_000, false],
  minLimit: [1, 1_000_000, false],
  maxLimit: [1, 1_000_000, false],
} as const satisfies Record<string, Rule>;

const AIMD_RULES: Record<Exclude<keyof AimdSettings, 'algorithm'>, Rule> = {
  ...LIMIT_COMMON_RULES,
  backoffRatio: [0.5, 1, false],
  timeoutMs: [0, 3_600_000, false],
};

const GRADIENT_RULES: Record<Exclude<keyof GradientSettings, 'algorithm'>, Rule> = {
  ...LIMIT_COMMON_RULES,
  smoothing: [0.001, 1, false],
  rttTolerance: [1, 100, false],
  probeInterval: [0, 1_000_000, true],
  minWindowSamples: [1, 1_000_000, true],
  queueSize: [0, 1_000_000, false],
};

function checkFields<T extends object>(
  where: string,
  input: Record<string, unknown>,
  defaults: T,
  rules: Record<string, Rule>,
  extraKeys: readonly string[],
): T {
  for (const key of Object.keys(input)) {
    if (!(key in rules) && !extraKeys.includes(key)) {
      throw new ResilienceConfigError(
        `${where}.${key}: unknown setting (known: ${Object.keys(rules).join(', ')})`,
      );
    }
  }
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, [min, max, integer]] of Object.entries(rules)) {
    const v = input[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new ResilienceConfigError(`${where}.${key}: expected a number, got ${JSON.stringify(v)}`);
    }
    if (v < min || v > max || (integer && !Number.isInteger(v))) {
      throw new ResilienceConfigError(
        `${where}.${key}: ${v} is out of range (${integer ? 'an integer ' : ''}${min}..${max})`,
      );
    }
    out[key] = v;
  }
  return out as T;
}

/** Breaker settings with defaults filled in; throws ResilienceConfigError on a bad field. */
export function breakerSettings(input: Partial<BreakerSettings> = {}, where = 'breaker'): BreakerSettings {
  const s = checkFields(where, input as Record<string, unknown>, DEFAULT_BREAKER_SETTINGS, BREAKER_RULES, [
    'policy',
  ]);
  // opossum rotates one bucket every floor(window / buckets) ms: a zero interval would spin.
  if (Math.floor(s.rollingCountTimeoutMs / s.rollingCountBuckets) < 1) {
    throw new ResilienceConfigError(
      `${where}: rollingCountTimeoutMs (${s.rollingCountTimeoutMs}) must be at least rollingCountBuckets (${s.rollingCountBuckets}) ms`,
    );
  }
  return s;
}

/** Limit settings with defaults filled in (algorithm defaults to gradient); throws on a bad field. */
export function limitSettings(input: Partial<LimitSettings> = {}, where = 'breaker'): LimitSettings {
  const raw = input as Record<string, unknown>;
  const algorithm = raw['algorithm'] ?? 'gradient';
  let s: LimitSettings;
  if (algorithm === 'aimd') {
    s = checkFields(where, raw, DEFAULT_AIMD_SETTINGS, AIMD_RULES, ['policy', 'algorithm']);
  } else if (algorithm === 'gradient') {
    s = checkFields(where, raw, DEFAULT_GRADIENT_SETTINGS, GRADIENT_RULES, ['policy', 'algorithm']);
  } else {
    throw new ResilienceConfigError(
      `${where}.algorithm: expected 'aimd' or 'gradient', got ${JSON.stringify(algorithm)}`,
    );
  }
  if (s.minLimit > s.maxLimit) {
    throw new ResilienceConfigError(`${where}: minLimit (${s.minLimit}) exceeds maxLimit (${s.maxLimit})`);
  }
  if (s.initialLimit < s.minLimit || s.initialLimit > s.maxLimit) {
    throw new ResilienceConfigError(
      `${where}: initialLimit (${s.initialLimit}) must lie within minLimit..maxLimit (${s.minLimit}..${s.maxLimit})`,
    );
  }
  return s;
}

/**
 * The scenario's `strategies.breaker` (or a command-line override) as a full strategy with
 * defaults filled in. A bare policy name is accepted: `'fixed'` ≡ `{ policy: 'fixed' }`.
 */
export function parseBreakerStrategy(input: unknown, where = 'breaker'): BreakerStrategy {
  const obj: unknown = typeof input === 'string' ? { policy: input } : input;
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new ResilienceConfigError(
      `${where}: expected an object with a policy (${BREAKER_POLICIES.join(', ')})`,
    );
  }
  const raw = obj as Record<string, unknown>;
  const policy = raw['policy'];
  switch (policy) {
    case 'off': {
      const extra = Object.keys(raw).filter((k) => k !== 'policy');
      if (extra.length > 0)
        throw new ResilienceConfigError(`${where}.${extra[0]}: policy 'off' takes no settings`);
      return { policy: 'off' };
    }
    case 'fixed':
      return { policy: 'fixed', ...breakerSettings(raw as Partial<BreakerSettings>, where) };
    case 'adaptive':
      return { policy: 'adaptive', ...limitSettings(raw as Partial<LimitSettings>, where) };
    default:
      throw new ResilienceConfigError(
        `${where}.policy: expected one of ${BREAKER_POLICIES.join(', ')}, got ${JSON.stringify(policy)}`,
      );
  }
}

/** JSON Schema (draft-07) of one settings object, generated from the same rules the parser checks. */
function objectSchema(
  policy: BreakerPolicy,
  rules: Record<string, Rule>,
  algorithm?: { readonly name: string; readonly required: boolean },
): Record<string, unknown> {
  const properties: Record<string, unknown> = { policy: { const: policy } };
  if (algorithm) properties['algorithm'] = { const: algorithm.name };
  for (const [key, [min, max, integer]] of Object.entries(rules)) {
    properties[key] = { type: integer ? 'integer' : 'number', minimum: min, maximum: max };
  }
  return {
    type: 'object',
    additionalProperties: false,
    required: algorithm?.required ? ['policy', 'algorithm'] : ['policy'],
    properties,
  };
}

/**
 * JSON Schema for the scenario's `strategies.breaker`, for libs/scenarios' schema (structure and
 * ranges; cross-field checks such as minLimit ≤ maxLimit are parseBreakerStrategy's, which also
 * fills the defaults and gives the clearer messages).
 */
export function breakerStrategySchema(): Record<string, unknown> {
  return {
    description:
      'Breaker strategy (libs/resilience/README.md): off, fixed (opossum), adaptive (concurrency limit)',
    oneOf: [
      { enum: BREAKER_POLICIES },
      objectSchema('off', {}),
      objectSchema('fixed', BREAKER_RULES),
      objectSchema('adaptive', AIMD_RULES, { name: 'aimd', required: true }),
      objectSchema('adaptive', GRADIENT_RULES, { name: 'gradient', required: false }),
    ],
  };
}
