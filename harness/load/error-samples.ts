import type { CallFailure, ErrorClass } from './error-class.ts';

/** One distinct failure (same script, class, SQLSTATE and message), with when it first came back and how often. */
export interface ErrorSample {
  script: string;
  partition: number;
  errorClass: ErrorClass;
  indeterminate: boolean;
  sqlstate: string | undefined;
  message: string;
  firstAtEpochMillis: number;
  count: number;
}

/** Enough to explain a failed check without letting a storm of distinct messages grow the result. */
const maxDistinct = 50;

const keyOf = (s: Pick<ErrorSample, 'script' | 'errorClass' | 'sqlstate' | 'message'>) =>
  `${s.script}\u0000${s.errorClass}\u0000${s.sqlstate ?? ''}\u0000${s.message}`;

export class ErrorSamples {
  private readonly byKey = new Map<string, ErrorSample>();
  /** Failures beyond the cap of distinct messages: counted, not described. */
  unsampled = 0;

  add(script: string, partition: number, failure: CallFailure, t: number): void {
    const sample = {
      script,
      partition,
      errorClass: failure.errorClass,
      indeterminate: failure.indeterminate,
      sqlstate: failure.sqlstate,
      message: failure.message.slice(0, 300),
      firstAtEpochMillis: t,
      count: 1,
    };
    this.merge([sample]);
  }

  merge(samples: readonly ErrorSample[], unsampled = 0): void {
    this.unsampled += unsampled;
    for (const s of samples) {
      const key = keyOf(s);
      const known = this.byKey.get(key);
      if (known) {
        known.count += s.count;
        known.firstAtEpochMillis = Math.min(known.firstAtEpochMillis, s.firstAtEpochMillis);
      } else if (this.byKey.size < maxDistinct) {
        this.byKey.set(key, { ...s });
      } else {
        this.unsampled += s.count;
      }
    }
  }

  list(): ErrorSample[] {
    return [...this.byKey.values()].sort((a, b) => a.firstAtEpochMillis - b.firstAtEpochMillis);
  }
}
