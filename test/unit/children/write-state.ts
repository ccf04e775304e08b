// Writes the state file over and over until killed.

import { Secret } from '../../../harness/secret.ts';
import { writeState } from '../../../harness/state/state-file.ts';

const [stateDir = ''] = process.argv.slice(2);
const endpoint = { host: '127.0.0.1', port: 1, user: 'u', password: new Secret('pw'), database: 'postgres' };
const node = (role: 'proxy' | 'old' | 'new') => ({ role, endpoint, peerHost: 'h', peerPort: 1 });
const filler = 'x'.repeat(200_000);
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  await writeState(
    stateDir,
    // Only whether the file survives a kill is tested, not what it says.
    { runId: `sm-${i}`, facts: { filler } } as unknown as Parameters<typeof writeState>[1],
    { proxy: node('proxy'), old: node('old'), new: node('new') },
  );
}
