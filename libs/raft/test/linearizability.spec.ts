import {
  checkOperations,
  kvModel,
  type KvInput,
  type KvOutput,
  type Operation,
} from '../src/linearizability';

type Op = Operation<KvInput, KvOutput>;
const put = (client: number, key: string, value: string, call: number, ret: number): Op => ({
  client,
  input: { op: 'put', key, value },
  output: { value: '' },
  call,
  return: ret,
});
const get = (client: number, key: string, value: string, call: number, ret: number): Op => ({
  client,
  input: { op: 'get', key },
  output: { value },
  call,
  return: ret,
});

describe('linearizability checker (kv register)', () => {
  it('accepts a sequential history', () => {
    expect(checkOperations(kvModel, [put(1, 'x', '1', 1, 2), get(2, 'x', '1', 3, 4)])).toBe('ok');
  });

  it('rejects a stale read after a completed write', () => {
    expect(checkOperations(kvModel, [put(1, 'x', '1', 1, 2), get(2, 'x', '', 3, 4)])).toBe('illegal');
  });

  it('accepts either order for overlapping operations', () => {
    const h = [put(1, 'x', '1', 1, 10), get(2, 'x', '', 2, 3), get(3, 'x', '1', 4, 5)];
    expect(checkOperations(kvModel, h)).toBe('ok');
  });

  it('rejects a read that goes back in time (new then old value)', () => {
    const h = [
      put(1, 'x', '1', 1, 10),
      get(2, 'x', '1', 2, 3),
      get(3, 'x', '', 4, 5), // after a read saw '1', '' can no longer be read
    ];
    expect(checkOperations(kvModel, h)).toBe('illegal');
  });

  it('rejects two readers seeing two writes in opposite orders', () => {
    const h = [
      put(1, 'x', 'a', 1, 20),
      put(2, 'x', 'b', 2, 21),
      get(3, 'x', 'a', 3, 4),
      get(3, 'x', 'b', 5, 6),
      get(4, 'x', 'b', 7, 8),
      get(4, 'x', 'a', 9, 10),
    ];
    expect(checkOperations(kvModel, h)).toBe('illegal');
  });

  it('treats a write with no response as possibly applied, at any later time', () => {
    const h = [put(1, 'x', 'a', 1, Infinity), get(2, 'x', '', 2, 3), get(2, 'x', 'a', 40, 41)];
    expect(checkOperations(kvModel, h)).toBe('ok');
    expect(checkOperations(kvModel, [...h, get(2, 'x', '', 50, 51)])).toBe('illegal');
  });

  it('checks keys independently', () => {
    const h = [
      put(1, 'x', '1', 1, 2),
      put(1, 'y', '2', 3, 4),
      get(2, 'y', '2', 5, 6),
      get(2, 'x', '1', 7, 8),
    ];
    expect(checkOperations(kvModel, h)).toBe('ok');
    expect(checkOperations(kvModel, [...h, get(3, 'y', '1', 9, 10)])).toBe('illegal');
  });

  it('handles many concurrent operations quickly thanks to memoisation', () => {
    const h: Op[] = [];
    for (let i = 0; i < 12; i++) h.push(put(i, 'k', `v${i}`, i, 100 + i));
    h.push(get(99, 'k', 'v7', 200, 201));
    expect(checkOperations(kvModel, h)).toBe('ok');
    expect(checkOperations(kvModel, [...h, get(99, 'k', 'nope', 202, 203)])).toBe('illegal');
  });

  it('rejects a malformed history clearly', () => {
    expect(() => checkOperations(kvModel, [put(1, 'x', '1', 5, 2)])).toThrow(/returns before/);
  });
});
