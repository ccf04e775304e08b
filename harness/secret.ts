import { inspect } from 'node:util';

const value = new WeakMap<Secret, string>();

/**
 * A credential that cannot leak by accident: JSON, string conversion and util.inspect all
 * print a placeholder, and the value is not an own property (so spreading or enumerating
 * the object finds nothing). Read it only with reveal(), at the point of use.
 */
export class Secret {
  constructor(secret: string) {
    value.set(this, secret);
  }

  reveal(): string {
    return value.get(this) ?? '';
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'Secret([redacted])';
  }
}
