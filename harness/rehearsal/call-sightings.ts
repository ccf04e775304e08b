/** What one sample of pg_stat_activity says of a session's latest call, on old's clock (epoch ms). */
export interface CallSighting {
  /** Set while a transaction is open: the call in flight. */
  readonly xactStart: number | null;
  readonly queryStart: number | null;
}

/** Per session: the call last seen in flight, and the last query_start seen. */
export interface CallTrail {
  inFlight?: number | undefined;
  lastQueryStart?: number | null | undefined;
}

/**
 * Adds a sample to a session's call starts, one per call. A call is a transaction, not a
 * query_start: over the extended protocol (PL/Proxy's PQsendQueryParams, node-postgres with
 * parameters) Parse, Bind and Execute each set query_start anew, so a call sampled between
 * two of them would otherwise count twice. An idle sample after one that saw a call in flight
 * is taken as that call's end; a second call that started and ended between those two samples
 * is then not counted (a route that stays on old keeps calling, and its next calls are).
 */
export function addSighting(calls: number[], trail: CallTrail, sighting: CallSighting): boolean {
  const { xactStart, queryStart } = sighting;
  let added: number | undefined;
  if (xactStart !== null) {
    if (trail.inFlight !== xactStart) added = xactStart;
    trail.inFlight = xactStart;
  } else if (queryStart !== null && queryStart !== trail.lastQueryStart) {
    if (trail.inFlight === undefined) added = queryStart;
    trail.inFlight = undefined;
  } else {
    trail.inFlight = undefined;
  }
  trail.lastQueryStart = queryStart;
  if (added === undefined || calls.at(-1) === added) return false;
  calls.push(added);
  return true;
}
