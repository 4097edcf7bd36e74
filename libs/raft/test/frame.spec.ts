import { Random } from '../../domain/src';
import { FrameDecoder, FrameError, decodeFrame, encodeFrame, MESSAGE_TYPES } from '../src/frame';
import type { Message } from '../src/types';

function msg(over: Partial<Message> = {}): Message {
  return {
    type: 'App',
    from: 1,
    to: 2,
    term: 7,
    index: 41,
    logTerm: 6,
    commit: 40,
    reject: false,
    rejectHint: 0,
    entries: [
      { term: 7, index: 42, data: '{"op":"put","key":"k","value":"ü€𝄞"}' },
      { term: 7, index: 43, data: '' },
    ],
    ...over,
  };
}

/** Rebuilds a frame's length prefix after the body was edited. */
function withBody(body: Buffer): Buffer {
  const b = Buffer.alloc(4 + body.length);
  b.writeUInt32LE(body.length, 0);
  body.copy(b, 4);
  return b;
}

function edit(m: Message, at: number, write: (b: Buffer, o: number) => void): Buffer {
  const f = Buffer.from(encodeFrame(m));
  write(f, at);
  return f;
}

// Offsets in a frame: 0 len, 4 version, 5 type, 6 flags, 7 from, 11 to, 15 term, 23 index, ...,
// 55 entry count, 59 first entry.
describe('frame codec', () => {
  it('round-trips every message type, rejects and snapshots included', () => {
    const snapshot = { index: 100, term: 5, data: JSON.stringify({ a: 'b'.repeat(1000) }) };
    const cases: Message[] = MESSAGE_TYPES.map((type) =>
      msg({
        type,
        entries: type === 'App' ? msg().entries : [],
        reject: type === 'AppResp',
        rejectHint: 3,
        ...(type === 'Snap' ? { snapshot } : {}),
      }),
    );
    cases.push(msg({ term: Number.MAX_SAFE_INTEGER, index: 2 ** 40, entries: [] }));
    for (const m of cases) expect(decodeFrame(encodeFrame(m))).toEqual(m);
  });

  it('splits a stream cut at every byte boundary into the same messages', () => {
    const ms = [msg(), msg({ type: 'Heartbeat', entries: [], commit: 9 }), msg({ from: 3, to: 2 })];
    const stream = Buffer.concat(ms.map(encodeFrame));
    for (let cut = 1; cut < stream.length; cut += 7) {
      const d = new FrameDecoder();
      const got = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
      expect(got).toEqual(ms);
      expect(d.buffered).toBe(0);
    }
    // One byte at a time.
    const d = new FrameDecoder();
    const got: Message[] = [];
    for (let i = 0; i < stream.length; i++) got.push(...d.push(stream.subarray(i, i + 1)));
    expect(got).toEqual(ms);
  });

  const good = encodeFrame(msg());
  const body = good.subarray(4);
  const bad: [string, Buffer, RegExp][] = [
    ['length below a header', withBody(Buffer.alloc(10)), /shorter than a header/],
    ['length over the limit', Buffer.from([0xff, 0xff, 0xff, 0x7f, 1, 2, 3]), /exceeds/],
    ['wrong version', edit(msg(), 4, (b, o) => b.writeUInt8(9, o)), /version 9/],
    ['unknown type', edit(msg(), 5, (b, o) => b.writeUInt8(200, o)), /unknown message type code 200/],
    ['unknown flags', edit(msg(), 6, (b, o) => b.writeUInt8(0x80, o)), /unknown flags/],
    ['from = 0', edit(msg(), 7, (b, o) => b.writeUInt32LE(0, o)), /from is 0/],
    ['NaN term', edit(msg(), 15, (b, o) => b.writeDoubleLE(NaN, o)), /term is not a non-negative integer/],
    ['negative index', edit(msg(), 23, (b, o) => b.writeDoubleLE(-1, o)), /index is not/],
    ['fractional commit', edit(msg(), 39, (b, o) => b.writeDoubleLE(1.5, o)), /commit is not/],
    ['entry count beyond the frame', edit(msg(), 55, (b, o) => b.writeUInt32LE(1_000_000, o)), /entry count/],
    [
      'entry data length beyond the frame',
      edit(msg(), 59 + 16, (b, o) => b.writeUInt32LE(1 << 20, o)),
      /truncated/,
    ],
    ['trailing bytes', withBody(Buffer.concat([body, Buffer.from([0])])), /trailing/],
    ['truncated body', withBody(body.subarray(0, body.length - 3)), /truncated/],
    [
      'entries on a heartbeat',
      edit(msg(), 5, (b, o) => b.writeUInt8(MESSAGE_TYPES.indexOf('Heartbeat'), o)),
      /carries entries/,
    ],
    ['Snap without snapshot', encodeSnapWithoutSnapshot(), /Snap without a snapshot/],
  ];

  it.each(bad)('rejects a frame with %s', (_name, frame, why) => {
    expect(() => new FrameDecoder(1024 * 1024).push(frame)).toThrow(FrameError);
    expect(() => new FrameDecoder(1024 * 1024).push(frame)).toThrow(why);
  });

  it('random bytes and mutated frames give messages or a FrameError, never another exception', () => {
    const rng = new Random(4242);
    const valid = [
      encodeFrame(msg()),
      encodeFrame(msg({ type: 'Snap', entries: [], snapshot: { index: 1, term: 1, data: 's' } })),
    ];
    let rejected = 0;
    for (let i = 0; i < 5000; i++) {
      let b: Buffer;
      if (i % 2 === 0) {
        b = Buffer.from(valid[i % 4 === 0 ? 0 : 1]!);
        for (let k = 1 + rng.int(4); k > 0; k--) b[rng.int(b.length)] = rng.int(256);
      } else {
        b = Buffer.alloc(rng.int(120));
        for (let k = 0; k < b.length; k++) b[k] = rng.int(256);
      }
      try {
        new FrameDecoder(1 << 20).push(b);
      } catch (e) {
        expect(e).toBeInstanceOf(FrameError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(1000);
  });

  it('refuses to encode an unknown message type', () => {
    expect(() => encodeFrame(msg({ type: 'Bogus' as Message['type'] }))).toThrow(FrameError);
  });
});

function encodeSnapWithoutSnapshot(): Buffer {
  const f = Buffer.from(encodeFrame(msg({ type: 'Heartbeat', entries: [] })));
  f.writeUInt8(MESSAGE_TYPES.indexOf('Snap'), 5);
  return f;
}
