import Ajv from 'ajv';
import {
  breakerStrategySchema,
  DEFAULT_BREAKER_SETTINGS,
  DEFAULT_GRADIENT_SETTINGS,
  parseBreakerStrategy,
  ResilienceConfigError,
} from '../src';

describe('parseBreakerStrategy (scenario strategies.breaker)', () => {
  it('fills defaults for each policy, and accepts a bare policy name', () => {
    expect(parseBreakerStrategy('off')).toEqual({ policy: 'off' });
    expect(parseBreakerStrategy({ policy: 'fixed', volumeThreshold: 50 })).toEqual({
      policy: 'fixed',
      ...DEFAULT_BREAKER_SETTINGS,
      volumeThreshold: 50,
    });
    expect(parseBreakerStrategy('adaptive')).toEqual({ policy: 'adaptive', ...DEFAULT_GRADIENT_SETTINGS });
    expect(parseBreakerStrategy({ policy: 'adaptive', algorithm: 'aimd', backoffRatio: 0.75 })).toMatchObject(
      {
        policy: 'adaptive',
        algorithm: 'aimd',
        backoffRatio: 0.75,
      },
    );
  });

  it('never opens on a single failure by default (opossum’s own default volumeThreshold is 0)', () => {
    expect(DEFAULT_BREAKER_SETTINGS.volumeThreshold).toBeGreaterThan(1);
  });

  it.each([
    [{ policy: 'sometimes' }, /policy: expected one of off, fixed, adaptive/],
    [{}, /policy/],
    [[], /expected an object/],
    [{ policy: 'fixed', volumeTreshold: 5 }, /volumeTreshold: unknown setting/],
    [{ policy: 'fixed', errorThresholdPercentage: 150 }, /errorThresholdPercentage: 150 is out of range/],
    [{ policy: 'fixed', volumeThreshold: 2.5 }, /an integer/],
    [{ policy: 'fixed', resetTimeoutMs: '10s' }, /resetTimeoutMs: expected a number/],
    [{ policy: 'fixed', rollingCountTimeoutMs: 5, rollingCountBuckets: 10 }, /at least rollingCountBuckets/],
    [{ policy: 'off', timeoutMs: 5 }, /takes no settings/],
    [{ policy: 'adaptive', algorithm: 'vegas' }, /algorithm: expected 'aimd' or 'gradient'/],
    [{ policy: 'adaptive', minLimit: 10, maxLimit: 5 }, /minLimit \(10\) exceeds maxLimit/],
    [{ policy: 'adaptive', initialLimit: 2000 }, /initialLimit \(2000\) must lie within/],
    [{ policy: 'adaptive', algorithm: 'aimd', queueSize: 4 }, /queueSize: unknown setting/],
  ])('rejects %j with a message naming the field', (input, message) => {
    expect(() => parseBreakerStrategy(input)).toThrow(ResilienceConfigError);
    expect(() => parseBreakerStrategy(input)).toThrow(message);
  });
});

describe('breakerStrategySchema', () => {
  const validate = new Ajv({ strict: true }).compile(breakerStrategySchema());

  it.each([
    'off',
    'fixed',
    { policy: 'off' },
    { policy: 'fixed', volumeThreshold: 20, resetTimeoutMs: 5000 },
    { policy: 'adaptive' },
    { policy: 'adaptive', algorithm: 'aimd', backoffRatio: 0.9 },
    { policy: 'adaptive', algorithm: 'gradient', queueSize: 4 },
  ])('accepts %j, as the parser does', (input) => {
    expect(validate(input)).toBe(true);
    expect(() => parseBreakerStrategy(input)).not.toThrow();
  });

  it.each([
    'sometimes',
    { policy: 'fixed', volumeTreshold: 5 },
    { policy: 'fixed', errorThresholdPercentage: 150 },
    { policy: 'fixed', volumeThreshold: 2.5 },
    { policy: 'off', timeoutMs: 5 },
    { policy: 'adaptive', algorithm: 'vegas' },
    { policy: 'adaptive', algorithm: 'aimd', queueSize: 4 },
  ])('rejects %j, as the parser does', (input) => {
    expect(validate(input)).toBe(false);
    expect(() => parseBreakerStrategy(input)).toThrow(ResilienceConfigError);
  });
});
