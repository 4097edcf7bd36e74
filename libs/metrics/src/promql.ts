/**
 * Just enough PromQL reading to check dashboards: which metric names a query uses, and whether its
 * brackets balance and its functions exist. (Prometheus itself parses the queries in the live test.)
 */

const FUNCTIONS = new Set([
  'abs',
  'absent',
  'absent_over_time',
  'avg_over_time',
  'ceil',
  'changes',
  'clamp',
  'clamp_max',
  'clamp_min',
  'count_over_time',
  'delta',
  'deriv',
  'exp',
  'floor',
  'histogram_quantile',
  'idelta',
  'increase',
  'irate',
  'label_replace',
  'label_join',
  'last_over_time',
  'ln',
  'log2',
  'log10',
  'max_over_time',
  'min_over_time',
  'predict_linear',
  'quantile_over_time',
  'rate',
  'resets',
  'round',
  'scalar',
  'sort',
  'sort_desc',
  'sqrt',
  'stddev_over_time',
  'sum_over_time',
  'time',
  'timestamp',
  'vector',
  // aggregation operators
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
]);
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
]);
const LABEL_LISTS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

/** Grafana's variables as a plain query needs them (Prometheus does not know `$__rate_interval`). */
export function substituteGrafanaVariables(expr: string): string {
  return expr.replace(/\$__rate_interval|\$__interval|\$__range/g, '1m').replace(/\$(\w+)/g, '.*');
}

export interface PromqlReading {
  readonly metrics: string[];
  readonly problems: string[];
}

type Token = { kind: 'id' | 'num' | 'str' | 'punct'; text: string };

function tokenize(expr: string): Token[] {
  const out: Token[] = [];
  const re =
    /\s+|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)|([A-Za-z_:][A-Za-z0-9_:]*)|(\d+(?:\.\d+)?(?:[smhdwy]|ms)?)|(=~|!~|!=|==|>=|<=|[-+*/%^(){}[\],=<>])/gy;
  let m: RegExpExecArray | null;
  let last = 0;
  while (last < expr.length && (m = re.exec(expr)) !== null) {
    last = re.lastIndex;
    if (m[1]) out.push({ kind: 'str', text: m[1] });
    else if (m[2]) out.push({ kind: 'id', text: m[2] });
    else if (m[3]) out.push({ kind: 'num', text: m[3] });
    else if (m[4]) out.push({ kind: 'punct', text: m[4] });
  }
  if (last < expr.length)
    out.push({ kind: 'punct', text: `\u0000unexpected "${expr.slice(last, last + 10)}"` });
  return out;
}

/** Metric names a query reads, and anything malformed (unbalanced brackets, unknown function). */
export function readPromql(rawExpr: string): PromqlReading {
  const expr = substituteGrafanaVariables(rawExpr);
  const tokens = tokenize(expr);
  const metrics: string[] = [];
  const problems: string[] = [];
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', '}': '{', ']': '[' };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.text.startsWith('\u0000')) {
      problems.push(t.text.slice(1));
      continue;
    }
    if (t.kind === 'punct') {
      if (t.text === '(' || t.text === '{' || t.text === '[') stack.push(t.text);
      else if (t.text in pairs) {
        if (stack.pop() !== pairs[t.text]) problems.push(`unbalanced "${t.text}"`);
      }
      continue;
    }
    if (t.kind !== 'id') continue;
    const inside = stack.at(-1);
    if (inside === '{' || inside === '[') continue; // label names and durations
    const next = tokens[i + 1];
    if (LABEL_LISTS.has(t.text) && next?.text === '(') {
      // Skip the label list: by (le, class)
      let j = i + 2;
      while (j < tokens.length && tokens[j]!.text !== ')') j++;
      i = j;
      continue;
    }
    if (KEYWORDS.has(t.text)) continue;
    // An aggregation with its grouping first: sum by (le) (...)
    if (FUNCTIONS.has(t.text) && (next?.text === 'by' || next?.text === 'without')) continue;
    if (next?.text === '(') {
      if (!FUNCTIONS.has(t.text)) problems.push(`unknown function ${t.text}`);
      continue;
    }
    metrics.push(t.text);
  }
  if (stack.length) problems.push(`unclosed "${stack.join('')}"`);
  if (metrics.length === 0) problems.push('names no metric');
  return { metrics: [...new Set(metrics)], problems };
}

/** The Prometheus queries of a Grafana dashboard JSON, with the panel each belongs to. */
export function dashboardQueries(dashboard: unknown): { panel: string; expr: string }[] {
  const out: { panel: string; expr: string }[] = [];
  const panels = (dashboard as { panels?: unknown[] }).panels ?? [];
  const visit = (p: unknown) => {
    const panel = p as { title?: string; targets?: { expr?: unknown }[]; panels?: unknown[] };
    for (const t of panel.targets ?? [])
      if (typeof t.expr === 'string') out.push({ panel: panel.title ?? '(untitled)', expr: t.expr });
    for (const inner of panel.panels ?? []) visit(inner);
  };
  for (const p of panels) visit(p);
  return out;
}
