import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../harness/config/load-config.ts';
import { errorMessage } from '../harness/errors.ts';
import { ignoreEvents } from '../harness/events.ts';
import { localPoolerDir } from '../harness/provision/pooler-control.ts';
import { reversedTopology } from '../harness/rehearsal/and-back.ts';
import { rehearse, withScenarioTopology } from '../harness/rehearsal/run-rehearsal.ts';
import type { StartedTopology } from '../harness/topology/start-topology.ts';
import { checkNamed } from '../harness/verify/check.ts';

/** pgbouncer's lines about the 15-second refusal: clients turned away, servers closed mid-login. */
async function refusals(topology: StartedTopology): Promise<number> {
  const handle = topology.handle;
  if (handle?.provider !== 'local') return Number.NaN;
  const log = await readFile(join(localPoolerDir(handle.baseDir), 'pgbouncer.log'), 'utf8').catch(() => '');
  return log.split('\n').filter((l) => /login has been failing|server_login_retry|login failed/i.test(l))
    .length;
}

/**
 * Issue 16: the held switch (scenario logical-db23-hold) `moves` times in a row on one
 * topology and one pgbouncer, p23 there and back and there again, on this host as it is and
 * with every new connection made `slowMillis` of CPU dearer. Per move: the verdict, writes
 * rejected on any partition, errors on p23, how long PAUSE to RESUME took and how long the
 * writes waited, the others' lowest TPS; and pgbouncer's log lines about failed logins
 * (the 15 s refusal), which must stay at 0.
 */
export async function holdBench(options: {
  moves: number;
  profile: string;
  slowMillis: number;
}): Promise<void> {
  for (const connectionCpuMillis of [0, options.slowMillis]) {
    const { config } = await loadConfig({
      scenario: 'logical-db23-hold',
      flags: {
        provider: 'local',
        topology: { connectionCpuMillis },
        seeding: { profile: options.profile },
      },
    });
    console.log(
      `  ${connectionCpuMillis ? `connections +${connectionCpuMillis} ms CPU each` : 'this host as it is'} (profile ${options.profile}, ${options.moves} moves in a row, one pgbouncer):`,
    );
    try {
      await withScenarioTopology(config, ignoreEvents, {}, async (topology) => {
        let passed = 0;
        for (let move = 1; move <= options.moves; move++) {
          const view = move % 2 === 1 ? topology : reversedTopology(topology);
          const r = await rehearse(view, config, ignoreEvents);
          const rejected = r.load.ledger.reduce((n, p) => n + p.rejectedAt.length, 0);
          const errors = r.load.errors.samples
            .filter((e) => e.partition === 23)
            .reduce((n, e) => n + e.count, 0);
          const stalls = checkNamed(r.checks, 'write rejection')?.evidence.held?.stalls;
          const sw = r.migration.phases.find((p) => p.name === 'switch');
          const held = sw?.status === 'ok' && sw.name === 'switch' ? sw.evidence.heldMillis : undefined;
          if (r.verdict === 'pass') passed++;
          console.log(
            `    move ${move} (${move % 2 === 1 ? 'old -> new' : 'new -> old'}): ${r.verdict}, ${rejected} rejected, ${errors} errors on p23; ` +
              `held ${held ?? '?'} ms (PAUSE to RESUME), writes waited p99 ${stalls?.p99Millis ?? '?'} ms, longest ${stalls?.maxMillis ?? '?'} ms; ` +
              `others never below ${r.metrics.others_min_pct?.toFixed(0) ?? '?'}%; connection ${r.metrics.connection_ms?.toFixed(1) ?? '?'} ms`,
          );
          for (const c of r.checks.filter((k) => !k.passed))
            console.log(`      failed ${c.name}: ${c.summary}`);
          if (r.verdict !== 'pass') break;
        }
        const refused = await refusals(topology);
        console.log(
          `    ${passed} of ${options.moves} moves passed; pgbouncer log lines about failed logins: ${refused} (goal 0: ${refused === 0 ? 'met' : 'NOT met'})`,
        );
      });
    } catch (error) {
      console.log(`    did not finish: ${errorMessage(error)}`);
    }
  }
}
