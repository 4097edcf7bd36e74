import { parentPort } from 'node:worker_threads';
import { runSimJob, type SimJobMessage, type SimReplyMessage } from './sim-runner';

/*
 * One run at a time in a worker thread (SimWorkerPool). Each worker has its own globals, so the
 * virtual global clock a run installs for opossum cannot collide with another one's.
 */
const port = parentPort;
if (!port) throw new Error('sim-worker: must run as a worker thread (SimWorkerPool starts it)');

port.on('message', (msg: SimJobMessage) => {
  const scenario = msg.scenario;
  // structuredClone leaves non-enumerable properties behind: the file name goes in the result.
  if (msg.source !== undefined)
    Object.defineProperty(scenario, 'source', { value: msg.source, enumerable: false });
  runSimJob({ scenario, model: msg.model, mode: msg.mode }).then(
    (result) => port.postMessage({ id: msg.id, result } satisfies SimReplyMessage),
    (err: unknown) =>
      port.postMessage({
        id: msg.id,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      } satisfies SimReplyMessage),
  );
});
