/**
 * A linearizability checker in the style of porcupine: Wing & Gong's search with Lowe's
 * memoisation (a cache of (linearized set, model state) pairs already explored), run separately
 * on each partition of the history (e.g. per key) since linearizability is compositional.
 */

export interface Operation<I, O> {
  client: number;
  input: I;
  output: O;
  /** Invocation and response times; distinct, totally ordered. An op that never returned has Infinity. */
  call: number;
  return: number;
}

export interface Model<S, I, O> {
  init(): S;
  /** Whether `input` may take the object from `state` to some next state with result `output`. */
  step(state: S, input: I, output: O): { ok: boolean; state: S };
  /** A string key for a state, for the cache. */
  key(state: S): string;
  /** Splits a history into independent parts (default: one part). */
  partition?(ops: Operation<I, O>[]): Operation<I, O>[][];
  describe?(op: Operation<I, O>): string;
}

export type CheckResult = 'ok' | 'illegal' | 'unknown';

interface Node<I, O> {
  op: Operation<I, O> | null;
  id: number;
  isCall: boolean;
  match: Node<I, O> | null;
  prev: Node<I, O> | null;
  next: Node<I, O> | null;
}

/** Checks a history; 'unknown' when a partition needs more than `maxSteps` search steps. */
export function checkOperations<S, I, O>(
  model: Model<S, I, O>,
  history: Operation<I, O>[],
  maxSteps = 1_000_000,
): CheckResult {
  const parts = model.partition ? model.partition(history) : [history];
  let result: CheckResult = 'ok';
  for (const p of parts) {
    const r = checkPartition(model, p, maxSteps);
    if (r === 'illegal') return 'illegal';
    if (r === 'unknown') result = 'unknown';
  }
  return result;
}

function checkPartition<S, I, O>(
  model: Model<S, I, O>,
  ops: Operation<I, O>[],
  maxSteps: number,
): CheckResult {
  // Events in time order; a call precedes a return at the same time (they overlap).
  const events: { time: number; isCall: boolean; id: number }[] = [];
  ops.forEach((op, id) => {
    if (!(op.call <= op.return)) throw new Error(`operation ${id} returns before it is called`);
    events.push({ time: op.call, isCall: true, id }, { time: op.return, isCall: false, id });
  });
  events.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? a.id - b.id : a.isCall ? -1 : 1));

  const head: Node<I, O> = { op: null, id: -1, isCall: false, match: null, prev: null, next: null };
  const calls = new Map<number, Node<I, O>>();
  let tail = head;
  for (const ev of events) {
    const n: Node<I, O> = {
      op: ops[ev.id]!,
      id: ev.id,
      isCall: ev.isCall,
      match: null,
      prev: tail,
      next: null,
    };
    if (ev.isCall) calls.set(ev.id, n);
    else calls.get(ev.id)!.match = n;
    tail.next = n;
    tail = n;
  }

  const lift = (n: Node<I, O>) => {
    n.prev!.next = n.next;
    if (n.next) n.next.prev = n.prev;
    const m = n.match!;
    m.prev!.next = m.next;
    if (m.next) m.next.prev = m.prev;
  };
  const unlift = (n: Node<I, O>) => {
    const m = n.match!;
    m.prev!.next = m;
    if (m.next) m.next.prev = m;
    n.prev!.next = n;
    if (n.next) n.next.prev = n;
  };

  const words = Math.ceil(ops.length / 32) || 1;
  const linearized = new Uint32Array(words);
  const cache = new Set<string>();
  const stack: { node: Node<I, O>; state: S }[] = [];
  let state = model.init();
  let entry = head.next;
  let steps = 0;
  while (head.next !== null) {
    if (++steps > maxSteps) return 'unknown';
    if (entry === null) return 'illegal';
    if (entry.isCall) {
      const r = model.step(state, entry.op!.input, entry.op!.output);
      if (r.ok) {
        linearized[entry.id >>> 5]! ^= 1 << (entry.id & 31);
        const key = `${linearized.join(',')}|${model.key(r.state)}`;
        if (!cache.has(key)) {
          cache.add(key);
          stack.push({ node: entry, state });
          state = r.state;
          lift(entry);
          entry = head.next;
          continue;
        }
        linearized[entry.id >>> 5]! ^= 1 << (entry.id & 31);
      }
      entry = entry.next;
    } else {
      // A return whose call is not yet linearized: backtrack.
      const top = stack.pop();
      if (!top) return 'illegal';
      state = top.state;
      linearized[top.node.id >>> 5]! ^= 1 << (top.node.id & 31);
      unlift(top.node);
      entry = top.node.next;
    }
  }
  return 'ok';
}

// ---- a key-value register model (the simulated clients' state machine) ----

export type KvInput = { op: 'put'; key: string; value: string } | { op: 'get'; key: string };
export interface KvOutput {
  /** For get: the value read ('' if absent). Ignored for put. */
  value: string;
}

export const kvModel: Model<string, KvInput, KvOutput> = {
  init: () => '',
  step(state, input, output) {
    if (input.op === 'put') return { ok: true, state: input.value };
    return { ok: output.value === state, state };
  },
  key: (s) => s,
  partition(ops) {
    const byKey = new Map<string, Operation<KvInput, KvOutput>[]>();
    for (const op of ops) {
      const list = byKey.get(op.input.key) ?? [];
      list.push(op);
      byKey.set(op.input.key, list);
    }
    return [...byKey.values()];
  },
  describe: (op) =>
    op.input.op === 'put'
      ? `c${op.client} put(${op.input.key},${op.input.value}) [${op.call},${op.return}]`
      : `c${op.client} get(${op.input.key})=${op.output.value} [${op.call},${op.return}]`,
};
