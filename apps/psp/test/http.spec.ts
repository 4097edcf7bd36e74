import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { request } from 'undici';
import {
  DEFAULT_HANDLES,
  WallTimers,
  handleRegistry,
  type ReqPay,
  type RespPay,
} from '../../../libs/domain/src';
import { InMemoryLedger } from '../../../libs/ledger/src';
import { createMetrics } from '../../../libs/metrics/src';
import { InMemoryIdempotencyStore, PspCore } from '../../../libs/psp/src';
import { InMemoryBus } from '../../../libs/transport/src/in-memory-bus';
import { TOPICS } from '../../../libs/transport/src/topics';
import { createPspHttpApp } from '../src/psp-http.app';
import { paymentLatencyObserver } from '../src/metrics-observer';

const ADMIN = 'test-admin-token-0123456789';
const LIMIT = 1_00_000_00;

/**
 * The real Fastify server on 127.0.0.1 (random port), a PspCore on the wall clock and an in-memory
 * bus, and a test-local switch stand-in that moves money in an InMemoryLedger (one DEBIT and one
 * CREDIT per ReqPay, idempotent by txnId as the ledger is) and counts the ReqPays it receives.
 */
let app: NestFastifyApplication;
let base: string;
let timers: WallTimers;
let bus: InMemoryBus;
let ledger: InMemoryLedger;
const reqPays: ReqPay[] = [];
const accountOf = (vpa: string) => `acct:${vpa}`;

beforeAll(async () => {
  timers = new WallTimers();
  bus = new InMemoryBus({ timers });
  ledger = new InMemoryLedger();
  await ledger.open([
    { account: accountOf('asha@ybl'), bank: 'YES', vpa: 'asha@ybl', balancePaise: 1_000_000 },
    { account: accountOf('ravi@okicici'), bank: 'ICICI', vpa: 'ravi@okicici', balancePaise: 0 },
  ]);
  await bus.subscribe<ReqPay>(TOPICS.reqPay, 'switch', async (batch) => {
    for (const env of batch) {
      const r = env.value;
      reqPays.push(r);
      const [debit] = await ledger.apply([
        { kind: 'DEBIT', txnId: r.txnId, account: accountOf(r.payerVpa), amountPaise: r.amountPaise },
      ]);
      let resp: RespPay;
      if (debit!.outcome === 'OK') {
        await ledger.apply([
          { kind: 'CREDIT', txnId: r.txnId, account: accountOf(r.payeeVpa), amountPaise: r.amountPaise },
        ]);
        resp = { type: 'RespPay', txnId: r.txnId, status: 'SUCCESS', code: '00', decline: null };
      } else {
        resp = { type: 'RespPay', txnId: r.txnId, status: 'DECLINED', code: 'Z9', decline: 'BD' };
      }
      await bus.reply(env, resp);
    }
  });
  const metrics = createMetrics();
  let n = 0;
  const core = new PspCore({
    bus,
    timers,
    handles: handleRegistry(Object.entries(DEFAULT_HANDLES)),
    limitPaise: LIMIT,
    answerWaitMs: 5_000,
    upiTimeoutMs: 5_000,
    store: new InMemoryIdempotencyStore({ clock: timers }),
    txnIds: () => `HTTPTXN${++n}`,
    observe: paymentLatencyObserver(metrics),
  });
  app = await createPspHttpApp({
    core,
    ledger,
    adminToken: ADMIN,
    registry: metrics.registry,
    logLevels: false,
  });
  await app.listen(0, '127.0.0.1');
  const addr = app.getHttpServer().address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  base = `http://127.0.0.1:${addr.port}`;
});

afterAll(async () => {
  await app?.close();
  await bus?.close();
  timers?.clearAll();
});

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function call(
  method: 'GET' | 'POST',
  path: string,
  opts: { body?: string; headers?: Record<string, string> } = {},
): Promise<Res> {
  const r = await request(`${base}${path}`, { method, body: opts.body, headers: opts.headers });
  const text = await r.body.text();
  return { status: r.statusCode, headers: r.headers, text, json: () => JSON.parse(text) };
}

const good = { payerVpa: 'asha@ybl', payeeVpa: 'ravi@okicici', amountPaise: 1_000, category: 'P2P' };
let keySeq = 0;
const post = (body: unknown, key: string = `key-${++keySeq}`, contentType = 'application/json') =>
  call('POST', '/v1/payments', {
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': contentType, 'idempotency-key': key },
  });

function expectError(r: Res, status: number, code: string, field: string | null): void {
  expect(r.status).toBe(status);
  const b = r.json();
  expect(b).toEqual({ error: { code, message: expect.any(String), field } });
}

describe('POST /v1/payments: bad input (through the real server)', () => {
  const { amountPaise: _a, ...noAmount } = good;
  const { payerVpa: _p, ...noPayer } = good;
  const table: [string, unknown, string, string | null][] = [
    ['missing payerVpa', noPayer, 'MISSING_FIELD', 'payerVpa'],
    ['missing amountPaise', noAmount, 'MISSING_FIELD', 'amountPaise'],
    ['extra field', { ...good, pin: '1234' }, 'UNKNOWN_FIELD', 'pin'],
    ['malformed payer VPA', { ...good, payerVpa: 'asha-at-ybl' }, 'INVALID_VPA', 'payerVpa'],
    ['malformed payee VPA', { ...good, payeeVpa: '@ybl' }, 'INVALID_VPA', 'payeeVpa'],
    ['amount not an integer', { ...good, amountPaise: 10.25 }, 'AMOUNT_NOT_INTEGER', 'amountPaise'],
    ['amount as a string', { ...good, amountPaise: '1000' }, 'INVALID_TYPE', 'amountPaise'],
    ['amount negative', { ...good, amountPaise: -1 }, 'AMOUNT_NOT_POSITIVE', 'amountPaise'],
    ['amount zero', { ...good, amountPaise: 0 }, 'AMOUNT_NOT_POSITIVE', 'amountPaise'],
    ['amount over the limit', { ...good, amountPaise: LIMIT + 1 }, 'AMOUNT_OVER_LIMIT', 'amountPaise'],
    ['unknown handle', { ...good, payeeVpa: 'ravi@unknownbank' }, 'UNKNOWN_HANDLE', 'payeeVpa'],
    ['payer equals payee', { ...good, payeeVpa: 'asha@ybl' }, 'SAME_PAYER_PAYEE', 'payeeVpa'],
    ['bad category', { ...good, category: 'GIFT' }, 'INVALID_CATEGORY', 'category'],
    ['JSON array body', [good], 'INVALID_BODY', null],
    ['JSON null body', null, 'INVALID_BODY', null],
  ];

  it.each(table.map(([name, body, code, field]) => [name, code, field, body]))(
    '%s → 400 %s on %s',
    async (_name, code, field, body) => {
      const before = reqPays.length;
      expectError(await post(body), 400, code as string, field as string | null);
      expect(reqPays.length).toBe(before);
    },
  );

  it('missing or malformed Idempotency-Key → 400 on the header', async () => {
    const r = await call('POST', '/v1/payments', {
      body: JSON.stringify(good),
      headers: { 'content-type': 'application/json' },
    });
    expectError(r, 400, 'MISSING_IDEMPOTENCY_KEY', 'Idempotency-Key');
    expectError(await post(good, 'bad key with spaces'), 400, 'INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key');
  });

  it('a body over 16 KiB → 413 in the error shape', async () => {
    const r = await post({ ...good, note: 'x'.repeat(17 * 1024) });
    expectError(r, 413, 'BODY_TOO_LARGE', null);
  });

  it('a body just under the limit is parsed (and refused only for its note)', async () => {
    const r = await post({ ...good, note: 'x'.repeat(15 * 1024) });
    expectError(r, 400, 'NOTE_TOO_LONG', 'note');
  });

  it('not JSON → 400', async () => {
    expectError(await post('{"payerVpa": "asha@ybl",'), 400, 'INVALID_JSON', null);
    expectError(
      await post('payerVpa=asha@ybl', undefined, 'application/x-www-form-urlencoded'),
      400,
      'UNSUPPORTED_CONTENT_TYPE',
      null,
    );
    expectError(
      await post(JSON.stringify(good), undefined, 'text/plain'),
      400,
      'UNSUPPORTED_CONTENT_TYPE',
      null,
    );
  });

  it('no body at all → 400', async () => {
    const r = await call('POST', '/v1/payments', { headers: { 'idempotency-key': 'no-body-1' } });
    expect(r.status).toBe(400);
    expect(r.json().error.code).toEqual(expect.any(String));
  });
});

describe('POST /v1/payments: idempotency through the real server', () => {
  it('same key, same body → same answer, one ReqPay, one debit', async () => {
    const before = await ledger.account(accountOf('asha@ybl'));
    const n0 = reqPays.length;
    const body = { ...good, amountPaise: 2_500, note: 'dinner' };
    const [a, b] = await Promise.all([post(body, 'dup-1'), post(body, 'dup-1')]);
    const c = await post(body, 'dup-1');
    expect(a.status).toBe(200);
    expect(a.json()).toMatchObject({
      status: 'SUCCESS',
      code: '00',
      decline: null,
      txnId: expect.any(String),
    });
    expect(b.json()).toEqual(a.json());
    expect(c.json()).toEqual(a.json());
    expect([a, b, c].filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(2);
    expect(reqPays.length - n0).toBe(1);
    const after = await ledger.account(accountOf('asha@ybl'));
    expect(before!.availablePaise - after!.availablePaise).toBe(2_500);
    expect(await ledger.record(a.json().txnId, 'DEBIT')).toBe('DEBITED');
    const s = await ledger.summary();
    expect(s.availablePaise + s.heldPaise).toBe(s.openingPaise);
  });

  it('same key, different body → 409 and nothing is sent', async () => {
    const first = await post(good, 'dup-2');
    expect(first.status).toBe(200);
    const n0 = reqPays.length;
    const balance = (await ledger.account(accountOf('asha@ybl')))!.availablePaise;
    expectError(
      await post({ ...good, amountPaise: 999 }, 'dup-2'),
      409,
      'IDEMPOTENCY_CONFLICT',
      'Idempotency-Key',
    );
    expect(reqPays.length).toBe(n0);
    expect((await ledger.account(accountOf('asha@ybl')))!.availablePaise).toBe(balance);
  });

  it('GET /v1/payments/:txnId gives the status; unknown → 404', async () => {
    const r = await post(good);
    const txnId = r.json().txnId as string;
    const g = await call('GET', `/v1/payments/${txnId}`);
    expect(g.status).toBe(200);
    expect(g.json()).toMatchObject({ txnId, status: 'SUCCESS', code: '00' });
    expectError(await call('GET', '/v1/payments/NO-SUCH-TXN'), 404, 'NOT_FOUND', 'txnId');
  });
});

describe('ops and admin routes', () => {
  it('GET /healthz', async () => {
    const r = await call('GET', '/healthz');
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({ status: 'ok' });
  });

  it('GET /metrics has the payment latency histogram with bounded labels', async () => {
    await post(good);
    const r = await call('GET', '/metrics');
    expect(r.status).toBe(200);
    expect(String(r.headers['content-type'])).toContain('text/plain');
    expect(r.text).toContain('# TYPE upi_payment_latency_seconds histogram');
    expect(r.text).toMatch(
      /upi_payment_latency_seconds_count\{psp="PHONEPE",class="P2P",outcome="SUCCESS"\} [1-9]/,
    );
    expect(r.text).toContain('process_cpu_user_seconds_total');
  });

  it('admin without or with a wrong token → 401, and nothing changes', async () => {
    const before = await ledger.summary();
    const n0 = reqPays.length;
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong-token' },
      { authorization: `Basic ${ADMIN}` },
      { authorization: `Bearer ${ADMIN}x` },
    ];
    for (const headers of attempts) {
      expectError(
        await call('GET', '/admin/ledger/summary', { headers }),
        401,
        'UNAUTHORIZED',
        'Authorization',
      );
      expectError(
        await call('GET', '/admin/accounts?limit=5', { headers }),
        401,
        'UNAUTHORIZED',
        'Authorization',
      );
    }
    expect(await ledger.summary()).toEqual(before);
    expect(reqPays.length).toBe(n0);
  });

  it('admin with the token reads the ledger', async () => {
    const auth = { authorization: `Bearer ${ADMIN}` };
    const s = await call('GET', '/admin/ledger/summary', { headers: auth });
    expect(s.status).toBe(200);
    expect(s.json()).toEqual(await ledger.summary());
    const a = await call('GET', '/admin/accounts?bank=ICICI&limit=1', { headers: auth });
    expect(a.status).toBe(200);
    expect(a.json()).toEqual([
      expect.objectContaining({ account: accountOf('ravi@okicici'), bank: 'ICICI' }),
    ]);
    expectError(
      await call('GET', '/admin/accounts?limit=0', { headers: auth }),
      400,
      'INVALID_QUERY',
      'limit',
    );
    expectError(
      await call('GET', '/admin/accounts?limit=abc', { headers: auth }),
      400,
      'INVALID_QUERY',
      'limit',
    );
  });

  it('OpenAPI: UI at /docs and JSON at /docs-json', async () => {
    const ui = await call('GET', '/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger-ui');
    const json = await call('GET', '/docs-json');
    expect(json.status).toBe(200);
    const doc = json.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/payments', '/v1/payments/{txnId}', '/healthz']),
    );
    const asset = await call('GET', '/docs/swagger-ui-bundle.js');
    expect(asset.status).toBe(200);
  });

  it('an unknown route answers 404 in the error shape', async () => {
    expectError(await call('GET', '/nope'), 404, 'NOT_FOUND', null);
  });
});
