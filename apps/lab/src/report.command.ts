import { join } from 'node:path';
import { readResults, writeReport } from './report-io';

export interface ReportCommandOptions {
  out?: string;
  title?: string;
  target?: number;
}

/** `upi-lab report FILE…`: the comparison report from saved results of any mode. */
export function reportCommand(files: readonly string[], o: ReportCommandOptions): number {
  const results = readResults(files);
  const base = (o.out ?? join('results', `report-${new Date().toISOString().replace(/[:.]/g, '-')}`)).replace(
    /\.html$/,
    '',
  );
  const written = writeReport(results, base, {
    ...(o.title !== undefined ? { title: o.title } : {}),
    ...(o.target !== undefined ? { target: o.target } : {}),
  });
  console.log(written.comparison.summary);
  for (const v of written.comparison.verdicts) console.log(`  ${v.text}`);
  console.log(`\nreport: ${written.html}\ncomparison: ${written.json}`);
  return 0;
}
