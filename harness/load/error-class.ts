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

/**
 * PL/Proxy reports its own connection to a data node breaking mid-call as an internal
 * error (XX000) carrying libpq's message, not as class 08.
 */
function remoteHopLost(sqlstate: string, message: string): boolean {
  return (
    sqlstate === 'XX000' &&
    /PL\/Proxy function/.test(message) &&
    /server closed the connection unexpectedly|PQconsumeInput|could not send data|no connection to the server|connection to server .* lost/i.test(
      message,
    )
  );
}

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
  if (
    sqlstate &&
    (sqlstate.startsWith('08') || /^57P0[123]$/.test(sqlstate) || remoteHopLost(sqlstate, message))
  ) {
    // The server ended our session (57P01 on the proxy) or a remote hop broke: the call's
    // fate is unknown. PL/Proxy relays a data node's own FATAL as "REMOTE FATAL": our
    // session to the proxy is fine then.
    const ours = /^57P0[123]$/.test(sqlstate) && !/\bREMOTE FATAL\b/.test(message);
    return { errorClass: 'connection', connectionLost: ours, indeterminate: inFlight, sqlstate, message };
  }
  return { errorClass: 'other', connectionLost: false, indeterminate: false, sqlstate, message };
}
