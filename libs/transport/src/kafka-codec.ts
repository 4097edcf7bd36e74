import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { Envelope } from './bus';

/** Kafka header names carrying request/reply routing (values are UTF-8 strings). */
export const HEADER_CORRELATION_ID = 'correlation-id';
export const HEADER_REPLY_TO = 'reply-to';

export interface Outgoing {
  readonly key: string;
  readonly value: unknown;
  readonly replyTo?: string;
  readonly correlationId?: string;
}

/** JSON on the wire; `undefined` travels as a null Kafka value. */
export function encodeMessage(topic: string, m: Outgoing): Message {
  let json: string | undefined;
  try {
    json = JSON.stringify(m.value);
  } catch (err) {
    throw new TypeError(
      `publish to ${topic}: value for key ${m.key} is not JSON-serialisable (${(err as Error).message})`,
    );
  }
  const msg: Message = { key: m.key, value: json === undefined ? null : json };
  if (m.correlationId !== undefined || m.replyTo !== undefined) {
    const headers: IHeaders = {};
    if (m.correlationId !== undefined) headers[HEADER_CORRELATION_ID] = m.correlationId;
    if (m.replyTo !== undefined) headers[HEADER_REPLY_TO] = m.replyTo;
    msg.headers = headers;
  }
  return msg;
}

/** Throws on a value that is not JSON (a foreign producer): the caller reports and skips it. */
export function decodeMessage(topic: string, m: KafkaMessage): Envelope {
  const key = m.key === null ? '' : m.key.toString('utf8');
  const value: unknown = m.value === null ? undefined : JSON.parse(m.value.toString('utf8'));
  const correlationId = header(m.headers, HEADER_CORRELATION_ID);
  const replyTo = header(m.headers, HEADER_REPLY_TO);
  if (correlationId === undefined) return { topic, key, value };
  if (replyTo === undefined) return { topic, key, value, correlationId };
  return { topic, key, value, replyTo, correlationId };
}

export function header(headers: IHeaders | undefined, name: string): string | undefined {
  const h = headers?.[name];
  if (h === undefined) return undefined;
  const one = Array.isArray(h) ? h[0] : h;
  return one === undefined ? undefined : one.toString();
}
