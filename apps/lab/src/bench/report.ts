import type { BatchSweep } from './batch-sweep';
import type { HttpPoint } from './http';
import type { InprocRun } from './inproc';

/** Median of a sample (mean of the middle two when even). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface InprocSeries {
  readonly protocol: string;
  readonly median: {
    readonly paymentsPerSec: number;
    readonly p50Ms: number;
    readonly p95Ms: number;
    readonly p99Ms: number;
    readonly successShare: number;
    readonly eventLoopUtilization: number;
    readonly cpuCoresUsed: number;
    readonly paymentsPerCpuSec: number;
  };
  readonly invariantsOk: boolean;
  readonly runs: readonly InprocRun[];
}

export function seriesOf(protocol: string, runs: readonly InprocRun[]): InprocSeries {
  const med = (f: (r: InprocRun) => number) => median(runs.map(f));
  return {
    protocol,
    median: {
      paymentsPerSec: med((r) => r.paymentsPerSec),
      p50Ms: med((r) => r.latencyMs.p50),
      p95Ms: med((r) => r.latencyMs.p95),
      p99Ms: med((r) => r.latencyMs.p99),
      successShare: med((r) => r.successShare),
      eventLoopUtilization: med((r) => r.eventLoopUtilization),
      cpuCoresUsed: med((r) => r.cpuCoresUsed),
      paymentsPerCpuSec: med((r) => r.paymentsPerCpuSec),
    },
    invariantsOk: runs.every((r) => r.invariantsOk),
    runs,
  };
}

const pad = (s: string | number, n: number) => String(s).padStart(n);

export function inprocTable(series: readonly InprocSeries[], aimTps: number): string {
  const lines = [
    `in-process (no HTTP), median of ${series[0]?.runs.length ?? 0} runs — aim ≥ ${aimTps} payments/s`,
    `  ${'protocol'.padEnd(12)}${pad('pay/s', 9)}${pad('all runs', 22)}${pad('p50 ms', 8)}${pad('p95 ms', 8)}${pad('p99 ms', 8)}${pad('ok %', 7)}${pad('ELU', 6)}${pad('cpu', 6)}${pad('pay/cpu-s', 11)}  invariants`,
  ];
  for (const s of series) {
    const m = s.median;
    lines.push(
      `  ${s.protocol.padEnd(12)}${pad(m.paymentsPerSec, 9)}${pad(s.runs.map((r) => r.paymentsPerSec).join('/'), 22)}${pad(m.p50Ms, 8)}${pad(m.p95Ms, 8)}${pad(m.p99Ms, 8)}${pad((m.successShare * 100).toFixed(1), 7)}${pad(m.eventLoopUtilization.toFixed(2), 6)}${pad(m.cpuCoresUsed.toFixed(2), 6)}${pad(m.paymentsPerCpuSec, 11)}  ${s.invariantsOk ? 'ok' : 'FAILED'}${m.paymentsPerSec >= aimTps ? '' : '  (below aim)'}`,
    );
  }
  return lines.join('\n');
}

export function httpTable(points: readonly HttpPoint[], aimTps: number, aimP99Ms: number): string {
  const lines = [
    `over HTTP (autocannon → POST /v1/payments on 127.0.0.1) — aim ≥ ${aimTps} req/s with p99 < ${aimP99Ms} ms`,
    `  ${pad('conns', 5)}${pad('req/s', 9)}${pad('p50 ms', 8)}${pad('p97.5', 8)}${pad('p99 ms', 8)}${pad('non-2xx', 9)}${pad('errors', 8)}${pad('timeouts', 10)}`,
  ];
  for (const p of points) {
    const meets = p.requestsPerSec >= aimTps && p.latencyMs.p99 < aimP99Ms && p.non2xx === 0;
    lines.push(
      `  ${pad(p.connections, 5)}${pad(p.requestsPerSec, 9)}${pad(p.latencyMs.p50, 8)}${pad(p.latencyMs.p97_5, 8)}${pad(p.latencyMs.p99, 8)}${pad(p.non2xx, 9)}${pad(p.errors, 8)}${pad(p.timeouts, 10)}${meets ? '  meets aim' : ''}`,
    );
  }
  return lines.join('\n');
}

export function batchTable(s: BatchSweep): string {
  const lines = [
    `batch sweep — MODEL numbers on the virtual clock (one switch server, ${s.config.model.fixedMs} ms + ${s.config.model.perTxnMs} ms × n per batch; steady ${s.config.durationSec - 2 * s.config.trimSec} s window; latency of successful payments)`,
    `  ${'point'.padEnd(14)}${'load'.padEnd(10)}${pad('offered/s', 10)}${pad('drawn/s', 9)}${pad('ok/s', 8)}${pad('model/s', 9)}${pad('mean b', 8)}${pad('model/s@b', 11)}${pad('ms/txn@b', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('QD %', 7)}${pad('QS %', 7)}`,
  ];
  for (const p of s.points) {
    const atB = p.predicted.atMeanBatch;
    lines.push(
      `  ${p.label.padEnd(14)}${p.load.padEnd(10)}${pad(p.offeredTps, 10)}${pad(p.windowOfferedTps.toFixed(1), 9)}${pad(p.completedTps.toFixed(1), 8)}${pad(p.predicted.atSize.tps.toFixed(1), 9)}${pad(p.meanBatch.toFixed(1), 8)}${pad(atB ? atB.tps.toFixed(1) : '-', 11)}${pad(atB ? atB.msPerTxn.toFixed(2) : '-', 10)}${pad(p.successLatencyMs.p50.toFixed(1), 9)}${pad(p.successLatencyMs.p99.toFixed(1), 9)}${pad((p.droppedShare.QD * 100).toFixed(1), 7)}${pad((p.droppedShare.QS * 100).toFixed(1), 7)}${p.invariantsOk ? '' : '  invariants FAILED'}`,
    );
  }
  lines.push('  reference (THEIRS, not ours):');
  for (const r of s.reference) lines.push(`    ${r.label}: ${r.opsPerSec} ops/s, latency ${r.latencyMs} ms`);
  lines.push(
    `  wall clock, in-process closed loop (${s.config.wallMeasureSec} s, 1 run each; CPU measured, shared noisy machine):`,
  );
  for (const w of s.wallClock)
    lines.push(
      `    ${w.label.padEnd(34)}${pad(w.paymentsPerSec, 7)} pay/s  p50 ${w.p50Ms} ms  p99 ${w.p99Ms} ms  mean batch ${w.meanBatch}  ELU ${w.eventLoopUtilization}  ok ${(w.successShare * 100).toFixed(1)} %  CPU-s per 1,000 payments ${w.cpuSecPer1000} (per 1,000 successful ${w.cpuSecPer1000Success})${w.invariantsOk ? '' : '  invariants FAILED'}`,
    );
  return lines.join('\n');
}
