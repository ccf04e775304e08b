import { type MetricName, metricCatalog, metricNames } from '../config/threshold-expression.ts';
import type { RunDocument } from '../report/run-document.ts';

export type MetricStatus = 'regressed' | 'improved' | 'within noise' | 'missing';

export interface MetricComparison {
  metric: MetricName;
  unit: string;
  better: 'lower' | 'higher';
  baseline: { min: number; max: number; runs: number } | undefined;
  candidate: { min: number; max: number; runs: number } | undefined;
  /** Candidate's middle against the baseline's, as a share (0.12 = 12% higher). */
  change: number | undefined;
  status: MetricStatus;
}

export interface CheckComparison {
  check: string;
  baselinePassed: number;
  candidatePassed: number;
  runs: { baseline: number; candidate: number };
  regressed: boolean;
}

export interface Comparison {
  tolerance: number;
  /** Inconclusive runs, left out of both sides: a run that could not judge is neither a baseline nor a regression. */
  excluded: { baseline: string[]; candidate: string[] };
  metrics: MetricComparison[];
  checks: CheckComparison[];
  regressed: boolean;
}

/**
 * Slack on top of the relative tolerance, per unit: a freeze of 0.05 s against 0.04 s is
 * 25% longer and still nothing.
 */
const absoluteSlack: Record<string, number> = { s: 0.2, ms: 1, tps: 0, '%': 1, calls: 0, storms: 0.05 };

/**
 * Whether the whole candidate range is worse (or better) than the whole baseline range by
 * more than the tolerance and the unit's slack: ranges of runs, or a prediction's intervals.
 */
export function judgeRanges(
  b: { readonly min: number; readonly max: number },
  c: { readonly min: number; readonly max: number },
  better: 'lower' | 'higher',
  tolerance: number,
  unit: string,
): 'regressed' | 'improved' | 'within noise' {
  const slack = absoluteSlack[unit] ?? 0;
  const worse =
    better === 'lower' ? c.min > b.max * (1 + tolerance) + slack : c.max < b.min * (1 - tolerance) - slack;
  const improved =
    better === 'lower' ? c.max < b.min * (1 - tolerance) - slack : c.min > b.max * (1 + tolerance) + slack;
  return worse ? 'regressed' : improved ? 'improved' : 'within noise';
}

/** The candidate's value against the baseline's, as a share; undefined against a zero baseline. */
export function relativeChange(baseline: number, candidate: number): number | undefined {
  if (baseline === 0) return candidate === 0 ? 0 : undefined;
  return (candidate - baseline) / Math.abs(baseline);
}

function range(docs: readonly RunDocument[], metric: MetricName) {
  const values = docs.map((d) => d.metrics[metric]).filter((v): v is number => typeof v === 'number');
  if (values.length === 0) return undefined;
  return { min: Math.min(...values), max: Math.max(...values), runs: values.length };
}

/**
 * Noise-aware: each side is the range of its runs (repeat a run to widen it honestly), and a
 * metric counts as regressed only when the whole candidate range is worse than the whole
 * baseline range by more than the tolerance (plus a small absolute slack per unit). A check
 * that held in every baseline run and failed in a candidate run is a regression too.
 */
export function compareRuns(
  baselineRuns: readonly RunDocument[],
  candidateRuns: readonly RunDocument[],
  tolerance: number,
): Comparison {
  const judged = (d: RunDocument) => d.verdict !== 'inconclusive';
  const baseline = baselineRuns.filter(judged);
  const candidate = candidateRuns.filter(judged);
  const excluded = {
    baseline: baselineRuns.filter((d) => !judged(d)).map((d) => d.runId),
    candidate: candidateRuns.filter((d) => !judged(d)).map((d) => d.runId),
  };
  const metrics = metricNames.map((metric): MetricComparison => {
    const { unit, better } = metricCatalog[metric];
    const b = range(baseline, metric);
    const c = range(candidate, metric);
    if (!b || !c)
      return { metric, unit, better, baseline: b, candidate: c, change: undefined, status: 'missing' };
    const mid = (r: { min: number; max: number }) => (r.min + r.max) / 2;
    return {
      metric,
      unit,
      better,
      baseline: b,
      candidate: c,
      change: relativeChange(mid(b), mid(c)),
      status: judgeRanges(b, c, better, tolerance, unit),
    };
  });
  const checkNames = [...new Set([...baseline, ...candidate].flatMap((d) => d.checks.map((c) => c.name)))];
  const passedIn = (docs: readonly RunDocument[], name: string) =>
    docs.filter((d) => d.checks.find((c) => c.name === name)?.passed).length;
  const checks = checkNames.map((check) => {
    const baselinePassed = passedIn(baseline, check);
    const candidatePassed = passedIn(candidate, check);
    return {
      check,
      baselinePassed,
      candidatePassed,
      runs: { baseline: baseline.length, candidate: candidate.length },
      regressed:
        baseline.length > 0 && baselinePassed === baseline.length && candidatePassed < candidate.length,
    };
  });
  return {
    tolerance,
    excluded,
    metrics,
    checks,
    regressed: metrics.some((m) => m.status === 'regressed') || checks.some((c) => c.regressed),
  };
}
