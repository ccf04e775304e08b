/**
 * An error the user can act on: what went wrong, and (when we know) what to do about it.
 * The CLI prints these as one clear message without a stack trace.
 */
export class ShardmoveError extends Error {
  readonly hint: string | undefined;

  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ShardmoveError';
    this.hint = options.hint;
  }
}

/** Bad flags, config or scenario: raised before anything is created or changed. */
export class ConfigError extends ShardmoveError {
  constructor(message: string, options: { hint?: string } = {}) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** A step that would drop or overwrite something shardmove did not create. */
export class DestructiveActionRefused extends ShardmoveError {
  constructor(message: string) {
    super(message, { hint: 'pass --allow-destructive if that is really what you want' });
    this.name = 'DestructiveActionRefused';
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
