import { spawn } from 'node:child_process';

/**
 * The commands that run the cores in this process (the embedded system, the simulator) allocate
 * ~30 KB per payment, most of it alive for the payment's few hundred milliseconds: with V8's
 * default young generation (16 MB semi-spaces) nearly all of it is copied and promoted. 128 MB
 * semi-spaces make the full-scale NYE simulation 1.3x faster (docs/simulator.md, "Speed"). V8 sizes
 * the young generation only at start-up, so the CLI starts itself again with the flag.
 */
const IN_PROCESS_COMMANDS: ReadonlySet<string> = new Set([
  'run',
  'simulate',
  'plan',
  'compare',
  'validate-model',
]);
const FLAG = '--max-semi-space-size';
export const DEFAULT_SEMI_SPACE_MB = 128;
/** Semi-space size in MB for the in-process commands; 0 keeps V8's default (no second start). */
export const SEMI_SPACE_ENV = 'UPI_LAB_SEMI_SPACE_MB';

/**
 * The node arguments to start the CLI again with, or null to go on in this process: the command
 * does not run the cores here, the flag is already set (node's arguments or NODE_OPTIONS), or the
 * environment turned it off. Throws on a malformed UPI_LAB_SEMI_SPACE_MB.
 */
export function relaunchArgs(
  argv: readonly string[],
  execArgv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): string[] | null {
  const command = argv.slice(2).find((a) => !a.startsWith('-'));
  if (command === undefined || !IN_PROCESS_COMMANDS.has(command)) return null;
  if (execArgv.some((a) => a.startsWith(FLAG)) || (env['NODE_OPTIONS'] ?? '').includes(FLAG)) return null;
  const raw = env[SEMI_SPACE_ENV];
  const mb = raw === undefined || raw === '' ? DEFAULT_SEMI_SPACE_MB : Number(raw);
  if (!Number.isInteger(mb) || mb < 0 || mb > 4096) {
    throw new Error(
      `${SEMI_SPACE_ENV} must be a whole number of MB from 0 (V8's default) to 4096, got '${raw}'`,
    );
  }
  if (mb === 0) return null;
  return [`${FLAG}=${mb}`, ...execArgv, ...argv.slice(1)];
}

/**
 * Starts the CLI again with a larger young generation when `relaunchArgs` says so, and ends this
 * process as the second one ends (same exit code, or same signal). True when it did: the caller
 * must then do nothing else. Ctrl-C reaches both processes from the terminal; a SIGTERM or SIGHUP
 * sent to this one is passed on.
 */
export function relaunchWithYoungGeneration(): boolean {
  const args = relaunchArgs(process.argv, process.execArgv, process.env);
  if (!args) return false;
  const child = spawn(process.execPath, args, { stdio: 'inherit' });
  process.on('SIGINT', () => undefined);
  for (const sig of ['SIGTERM', 'SIGHUP'] as const) process.on(sig, () => child.kill(sig));
  child.on('error', (err) => {
    console.error(
      `upi-lab: could not start itself again (${err.message}); set ${SEMI_SPACE_ENV}=0 to run in one process`,
    );
    process.exit(2);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
  return true;
}
