/**
 * What a failed call means for the run. read_only is the freeze doing its job (25006);
 * connection covers a lost or refused connection (class 08, admin shutdown 57P0x, socket
 * resets); serialization is 40001/40P01. A call whose outcome is unknown (lost mid-call,
 * or timed out) is indeterminate, not failed: the write may have committed.
 */
export const errorClasses = ['read_only', 'connection', 'serialization', 'other'] as const;
export type ErrorClass = (typeof errorClasses)[number];

export interface CallFailure {
  readonly errorClass: ErrorClass;
  /** The client's own connection is gone (reconnect) or its state is unknown. */
  readonly connectionLost: boolean;
  /** Whether a write may have committed all the same. */
  readonly indeterminate: boolean;
  readonly sqlstate: string | undefined;
  readonly message: string;
}

const socketCodes = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTCONN']);

export function classifyError(error: unknown, inFlight: boolean): CallFailure {
  const e = error as { code?: string; message?: string };
  const code = e.code;
  const message = e.message ?? String(error);
  const sqlstate = code && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  const timedOut = /timeout/i.test(message) && !sqlstate;
  const socket =
    (code !== undefined && socketCodes.has(code)) ||
    /Connection terminated|connection.*(closed|lost)|not queryable/i.test(message);
  if (timedOut || (socket && !sqlstate)) {
    return { errorClass: 'connection', connectionLost: true, indeterminate: inFlight, sqlstate, message };
  }
  if (sqlstate === '25006')
    return { errorClass: 'read_only', connectionLost: false, indeterminate: false, sqlstate, message };
  if (sqlstate === '40001' || sqlstate === '40P01') {
    return { errorClass: 'serialization', connectionLost: false, indeterminate: false, sqlstate, message };
  }
  if (sqlstate && (sqlstate.startsWith('08') || /^57P0[123]$/.test(sqlstate))) {
    // The server ended our session (57P01 on the proxy) or a remote hop broke: the call's fate is unknown.
    const ours = /^57P0[123]$/.test(sqlstate);
    return { errorClass: 'connection', connectionLost: ours, indeterminate: inFlight, sqlstate, message };
  }
  return { errorClass: 'other', connectionLost: false, indeterminate: false, sqlstate, message };
}
