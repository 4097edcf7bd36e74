import { InvalidArgumentError } from 'commander';
import { int, intIn, intOf, positive, positiveInt } from './cli-args';

describe('numeric option parsers', () => {
  it('take what they promise and refuse the rest, naming the option', () => {
    expect(int('seed')('0')).toBe(0);
    expect(() => int('seed')('-1')).toThrow(/seed must be a non-negative integer/);
    expect(positiveInt('reps')('3')).toBe(3);
    expect(() => positiveInt('reps')('0')).toThrow(InvalidArgumentError);
    expect(() => positiveInt('reps')('1.5')).toThrow(/reps must be a positive integer/);
    expect(positive('scale')('0.01')).toBe(0.01);
    expect(() => positive('scale')('abc')).toThrow(/scale must be a positive number/);
    expect(intIn('workers', 1, 64)('64')).toBe(64);
    expect(() => intIn('workers', 1, 64)('0')).toThrow(/workers must be a whole number from 1 to 64/);
    expect(() => intIn('workers', 1, 64)('65')).toThrow(InvalidArgumentError);
    expect(intOf('raft', [3, 5])('5')).toBe(5);
    expect(() => intOf('raft', [3, 5])('4')).toThrow(/raft must be 3 or 5/);
    expect(() => intOf('switch-replicas', [1, 3, 5])('3.0x')).toThrow(/switch-replicas must be 1, 3 or 5/);
  });
});
