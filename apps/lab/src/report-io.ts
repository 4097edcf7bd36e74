import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError } from '../../../libs/domain/src/input-error';
import { buildReport, type Comparison } from '../../../libs/report/src';
import { validateResult, type RunResult } from '../../../libs/scenarios/src';
import { writeOutput } from './output';

/** A result file that cannot go into a report: not readable, not JSON, or not the result shape. */
export class ReportInputError extends InputError {
  override readonly name = 'ReportInputError';
}

/** Chart.js's UMD build, from the installed package (inlined into the report: no network to open it). */
export function chartJsSource(): string {
  return readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.js'), 'utf8');
}

/** Reads and validates saved results of any mode; every bad file is named with its reason. */
export function readResults(files: readonly string[]): RunResult[] {
  if (files.length === 0) throw new ReportInputError('no result files given');
  const problems: string[] = [];
  const out: RunResult[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (e) {
      problems.push(`${f}: cannot read: ${(e as Error).message}`);
      continue;
    }
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      problems.push(`${f}: not JSON: ${(e as Error).message}`);
      continue;
    }
    const v = validateResult(obj);
    if (!v.ok) {
      const shown = v.errors.slice(0, 5).join('; ');
      problems.push(
        `${f}: not a run result (docs/result.schema.json): ${shown}${v.errors.length > 5 ? `; … ${v.errors.length - 5} more` : ''}`,
      );
      continue;
    }
    out.push(obj as RunResult);
  }
  if (problems.length) throw new ReportInputError(problems.join('\n'));
  return out;
}

/** Builds the report and writes `<base>.html` and `<base>.json` (the comparison); returns both paths. */
export function writeReport(
  results: readonly RunResult[],
  base: string,
  opts: { title?: string; target?: number } = {},
): { html: string; json: string; comparison: Comparison } {
  const { html, comparison } = buildReport(results, {
    chartJs: chartJsSource(),
    generatedAt: new Date().toISOString(),
    ...(opts.title !== undefined ? { title: opts.title } : {}),
    ...(opts.target !== undefined ? { target: opts.target } : {}),
  });
  writeOutput(`${base}.html`, html);
  writeOutput(`${base}.json`, JSON.stringify(comparison, null, 2) + '\n');
  return { html: `${base}.html`, json: `${base}.json`, comparison };
}
