import { describe, expect, it } from 'vitest';
import { classifyError } from '../../harness/load/error-class.ts';

/** Errors as node-postgres hands them over: a SQLSTATE in `code` and the server's message. */
const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

// Messages copied from real runs through PL/Proxy 2.10 (load.test.ts, the fault matrix).
const remoteClosed = pgError(
  'XX000',
  'PL/Proxy function public.insert_log(1): [db23] PQconsumeInput: server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally\n\tbefore or while processing the request.\n',
);
const remoteFatal = pgError(
  '57P01',
  'public.insert_log(1): [db23] REMOTE FATAL: terminating connection due to administrator command',
);
const ownSessionKilled = pgError('57P01', 'terminating connection due to administrator command');

describe('classifyError', () => {
  it('counts a data node connection PL/Proxy lost mid-call as indeterminate, keeping our session', () => {
    expect(classifyError(remoteClosed, true)).toMatchObject({
      errorClass: 'connection',
      indeterminate: true,
      connectionLost: false,
      sqlstate: 'XX000',
    });
    expect(classifyError(remoteFatal, true)).toMatchObject({
      errorClass: 'connection',
      indeterminate: true,
      connectionLost: false,
    });
  });

  it('reconnects when our own session to the proxy was terminated', () => {
    expect(classifyError(ownSessionKilled, true)).toMatchObject({
      errorClass: 'connection',
      connectionLost: true,
    });
  });

  it('keeps other internal errors, read-only rejections and serialization failures apart', () => {
    expect(
      classifyError(pgError('XX000', 'PL/Proxy function f(1): cluster not found'), true).errorClass,
    ).toBe('other');
    expect(
      classifyError(pgError('25006', 'cannot execute INSERT in a read-only transaction'), true),
    ).toMatchObject({ errorClass: 'read_only', indeterminate: false });
    expect(classifyError(pgError('40P01', 'deadlock detected'), true).errorClass).toBe('serialization');
  });
});
