import type { IdempotencyStore, StoredAnswer } from '../src/idempotency';

/**
 * Store-agnostic contract for IdempotencyStore: the in-memory store runs it here, the Redis store
 * (live mode) runs the same file. `make` gets a fresh, empty store whose entries expire after
 * `ttlMs`; `advance` moves that store's clock forward (virtual time, or real waiting for Redis).
 */
export interface IdempotencyHarness {
  make(ttlMs: number): Promise<IdempotencyStore>;
  advance(ms: number): Promise<void>;
  cleanup?(): Promise<void>;
}

const ok200: StoredAnswer = { httpStatus: 200, body: { txnId: 'T1', status: 'SUCCESS', code: '00' } };
const pending: StoredAnswer = { httpStatus: 202, body: { txnId: 'T1', status: 'PENDING' } };

export function idempotencyStoreContract(name: string, h: IdempotencyHarness, ttlMs = 1_000): void {
  describe(`IdempotencyStore contract: ${name}`, () => {
    let store: IdempotencyStore;
    beforeEach(async () => {
      store = await h.make(ttlMs);
    });
    afterEach(async () => {
      await h.cleanup?.();
    });

    it('the first claim of a key is NEW', async () => {
      expect(await store.claim('k1', 'fpA', 'T1')).toEqual({ kind: 'NEW' });
    });

    it('a second claim with the same fingerprint before completion is IN_FLIGHT with the first txnId', async () => {
      await store.claim('k1', 'fpA', 'T1');
      expect(await store.claim('k1', 'fpA', 'T2')).toEqual({ kind: 'IN_FLIGHT', txnId: 'T1' });
    });

    it('after completion the same fingerprint gets the stored answer (DONE)', async () => {
      await store.claim('k1', 'fpA', 'T1');
      await store.complete('k1', 'fpA', ok200);
      expect(await store.claim('k1', 'fpA', 'T9')).toEqual({ kind: 'DONE', txnId: 'T1', answer: ok200 });
    });

    it('a different fingerprint is a CONFLICT, in flight or done, and does not disturb the owner', async () => {
      await store.claim('k1', 'fpA', 'T1');
      expect(await store.claim('k1', 'fpB', 'T2')).toEqual({ kind: 'CONFLICT' });
      await store.complete('k1', 'fpA', ok200);
      expect(await store.claim('k1', 'fpB', 'T3')).toEqual({ kind: 'CONFLICT' });
      expect(await store.claim('k1', 'fpA', 'T4')).toEqual({ kind: 'DONE', txnId: 'T1', answer: ok200 });
    });

    it('release gives back an unanswered claim of the same fingerprint and txnId, and nothing else', async () => {
      await store.claim('k1', 'fpA', 'T1');
      await store.release('k1', 'fpB', 'T1');
      await store.release('k1', 'fpA', 'T2');
      expect(await store.claim('k1', 'fpA', 'T3')).toEqual({ kind: 'IN_FLIGHT', txnId: 'T1' });
      await store.release('k1', 'fpA', 'T1');
      expect(await store.claim('k1', 'fpB', 'T4')).toEqual({ kind: 'NEW' });
      await store.complete('k1', 'fpB', ok200);
      await store.release('k1', 'fpB', 'T4');
      expect(await store.claim('k1', 'fpB', 'T5')).toEqual({ kind: 'DONE', txnId: 'T4', answer: ok200 });
    });

    it('complete by a different fingerprint is ignored', async () => {
      await store.claim('k1', 'fpA', 'T1');
      await store.complete('k1', 'fpB', ok200);
      expect(await store.claim('k1', 'fpA', 'T2')).toEqual({ kind: 'IN_FLIGHT', txnId: 'T1' });
    });

    it('a later complete replaces an earlier answer (202 PENDING upgraded to the outcome)', async () => {
      await store.claim('k1', 'fpA', 'T1');
      await store.complete('k1', 'fpA', pending);
      expect(await store.claim('k1', 'fpA', 'T2')).toEqual({ kind: 'DONE', txnId: 'T1', answer: pending });
      await store.complete('k1', 'fpA', ok200);
      expect(await store.claim('k1', 'fpA', 'T2')).toEqual({ kind: 'DONE', txnId: 'T1', answer: ok200 });
    });

    it('keys are independent', async () => {
      await store.claim('k1', 'fpA', 'T1');
      expect(await store.claim('k2', 'fpB', 'T2')).toEqual({ kind: 'NEW' });
      await store.complete('k2', 'fpB', ok200);
      expect(await store.claim('k1', 'fpA', 'T3')).toEqual({ kind: 'IN_FLIGHT', txnId: 'T1' });
    });

    it('an entry expires ttlMs after its last write; then the key is NEW again', async () => {
      await store.claim('k1', 'fpA', 'T1');
      await h.advance(ttlMs / 2);
      await store.complete('k1', 'fpA', ok200); // refreshes the TTL
      await h.advance(ttlMs * 0.75);
      expect(await store.claim('k1', 'fpB', 'T2')).toEqual({ kind: 'CONFLICT' });
      await h.advance(ttlMs * 0.5);
      expect(await store.claim('k1', 'fpB', 'T2')).toEqual({ kind: 'NEW' });
    });

    it('complete after expiry does not resurrect the key', async () => {
      await store.claim('k1', 'fpA', 'T1');
      await h.advance(ttlMs * 1.5);
      await store.complete('k1', 'fpA', ok200);
      expect(await store.claim('k1', 'fpA', 'T2')).toEqual({ kind: 'NEW' });
    });

    it('concurrent claims of one key: exactly one is NEW', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.claim('race', 'fpA', `T${i}`)),
      );
      const kinds = results.map((r) => r.kind);
      expect(kinds.filter((k) => k === 'NEW')).toHaveLength(1);
      expect(kinds.filter((k) => k === 'IN_FLIGHT')).toHaveLength(9);
      const owner = results.findIndex((r) => r.kind === 'NEW');
      for (const r of results) if (r.kind === 'IN_FLIGHT') expect(r.txnId).toBe(`T${owner}`);
    });

    it('stored answers survive a JSON round trip (what a networked store does to them)', async () => {
      const answer: StoredAnswer = {
        httpStatus: 200,
        body: { txnId: 'T1', status: 'DECLINED', code: 'Z9', decline: 'BD', latencyMs: 12 },
      };
      await store.claim('k1', 'fpA', 'T1');
      await store.complete('k1', 'fpA', answer);
      const c = await store.claim('k1', 'fpA', 'T2');
      expect(c.kind).toBe('DONE');
      if (c.kind === 'DONE') expect(JSON.parse(JSON.stringify(c.answer))).toEqual(answer);
    });
  });
}
