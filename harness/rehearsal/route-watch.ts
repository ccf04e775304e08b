import { connect } from '../db/connect.ts';
import type { NodeSessions } from '../db/node-session.ts';
import { errorMessage } from '../errors.ts';
import { epochNow } from '../util/epoch-clock.ts';
import { median } from '../util/median.ts';
import type { OldWritesSeen, RouteSession, RouteWatch } from '../verify/stale-route.ts';
import { addSighting, type CallTrail } from './call-sightings.ts';
import { deletedRowsSql, writesSince } from './old-writes.ts';
import { KeptClient, startSampling } from './sampling-loop.ts';

const intervalMillis = 100;
const maxCallsKept = 600;
const applicationName = 'shardmove route watch';

interface ActivityRow {
  pid: number;
  app: string;
  client: string;
  xact_start: number | null;
  query_start: number | null;
  now: number;
}

/**
 * Every client session on old's shard that is not the harness's own (PL/Proxy's routes,
 * carrying application_name=<partition>, or a pooler's server connections), with its open
 * transaction's start and its latest message's, on old's clock; `now` is old's clock at the sample.
 */
const activity = `
  select pid, coalesce(application_name, '') as app,
         coalesce(host(client_addr) || ':' || client_port, 'local') as client,
         (extract(epoch from xact_start) * 1000)::float8 as xact_start,
         (extract(epoch from query_start) * 1000)::float8 as query_start,
         (extract(epoch from clock_timestamp()) * 1000)::float8 as now
    from pg_stat_activity
   where datname = $1 and backend_type = 'client backend' and pid <> pg_backend_pid()
     and application_name not like 'shardmove%' and application_name <> 'postgres_fdw'`;

/** The next transaction id old will hand out, and the rows deleted so far, at a sample. */
const writeMarks = `
  select pg_snapshot_xmax(pg_current_snapshot())::text::bigint as next_xid,
         ${deletedRowsSql} as deleted`;

interface WriteMark {
  readonly at: number;
  readonly nextXid: number;
  readonly deleted: number;
}

export interface StartedRouteWatch {
  /** `switchEndedAt`: when the switch ended, if it did: old's tables are then read for writes since. */
  stop(switchEndedAt?: number): Promise<RouteWatch>;
}

/**
 * Watches old's shard every 100 ms from before the migration to the end of the settle: who
 * is connected and when each started its calls. Calls on old after the switch are judged
 * by verify/stale-route.ts; a session present at the switch that goes away shows when its
 * proxy backend (or the pooler) moved to new. A session that connects, calls and leaves between
 * two samples is not seen: PL/Proxy and the pooler keep theirs; a write it made is, as a
 * row on old newer than the first transaction id handed out after the switch (old-writes.ts).
 */
export async function watchRoutes(sessions: NodeSessions, database: string): Promise<StartedRouteWatch> {
  const node = sessions.nodes.old;
  const kept = new KeptClient(() =>
    connect(
      { ...node.endpoint, database },
      database,
      { ...sessions.config, applicationName },
      `old/${database}`,
    ),
  );
  // Opened now: a watch that cannot reach old fails the rehearsal's start, not its samples.
  await kept.get();
  const seen = new Map<number, RouteSession>();
  const trails = new Map<number, CallTrail>();
  const offsets: number[] = [];
  const sampledAt: number[] = [];
  const marks: WriteMark[] = [];
  const from = epochNow();
  let failedSamples = 0;
  const sampling = startSampling(
    intervalMillis,
    async () => {
      const client = await kept.get();
      const sent = epochNow();
      const { rows } = await client.query<ActivityRow>(activity, [database]);
      const received = epochNow();
      const at = (sent + received) / 2;
      sampledAt.push(at);
      const mark = (await client.query<{ next_xid: string; deleted: string }>(writeMarks)).rows[0];
      if (mark) marks.push({ at: epochNow(), nextXid: Number(mark.next_xid), deleted: Number(mark.deleted) });
      for (const row of rows) {
        offsets.push(row.now - at);
        let session = seen.get(row.pid);
        if (!session) {
          session = {
            pid: row.pid,
            app: row.app,
            client: row.client,
            firstSeenAt: at,
            lastSeenAt: at,
            callStartsOnOldClock: [],
          };
          seen.set(row.pid, session);
        }
        session.lastSeenAt = at;
        const trail = trails.get(row.pid) ?? {};
        trails.set(row.pid, trail);
        const calls = session.callStartsOnOldClock;
        const sighting = { xactStart: row.xact_start, queryStart: row.query_start };
        // A session's whole history is not needed: the calls around the switch are recent.
        if (addSighting(calls, trail, sighting) && calls.length > maxCallsKept) calls.shift();
      }
    },
    async () => {
      // old restarted or paused by a fault: count the gap, reconnect on the next turn.
      failedSamples++;
      await kept.drop();
    },
  );
  return {
    async stop(switchEndedAt?: number) {
      await sampling.stop();
      const oldWrites = switchEndedAt === undefined ? undefined : await readOldWrites(switchEndedAt);
      await kept.close();
      return {
        from,
        until: epochNow(),
        intervalMillis,
        failedSamples,
        sampledAt,
        clockOffsetMillis: median(offsets),
        sessions: [...seen.values()],
        oldWrites,
      };
    },
  };

  /** Writes on old since the first sample taken after the switch ended: a call in flight at the switch is the session watch's to judge. */
  async function readOldWrites(switchEndedAt: number): Promise<OldWritesSeen> {
    const since = marks.find((m) => m.at > switchEndedAt);
    if (!since) return { unknown: 'old was not sampled after the switch' };
    try {
      return await writesSince(await kept.get(), since.nextXid, since.deleted);
    } catch (error) {
      return { unknown: `old's tables could not be read: ${errorMessage(error)}` };
    }
  }
}
