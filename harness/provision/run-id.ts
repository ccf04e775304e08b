import { randomBytes } from 'node:crypto';
import { Secret } from '../secret.ts';

/** Sortable and unique: sm-20261124-083015-a1b2. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `sm-${stamp}-${randomBytes(2).toString('hex')}`;
}

export function newPassword(): Secret {
  return new Secret(randomBytes(18).toString('base64url'));
}
