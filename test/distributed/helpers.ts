// Runs rank-main.ts as N ranks through launch() and collects their RESULT lines.
import { fileURLToPath } from 'node:url';
import { distributedUnavailableReason, launch, type LaunchResult } from '../../src/distributed/index.js';

const rankMain = fileURLToPath(new URL('./rank-main.js', import.meta.url));

/** Multi-process tests skip with this message on a build without Gloo (else false). */
export const NO_GLOO: string | false = (() => {
  const reason = distributedUnavailableReason();
  return reason === null ? false : `skipped: ${reason}`;
})();

export interface Ranks extends LaunchResult {
  /** Parsed RESULT lines of each rank, by rank. */
  results: unknown[][];
}

export async function runRanks(scenario: string, config: Record<string, unknown> = {}, nproc = 2, env: NodeJS.ProcessEnv = process.env): Promise<Ranks> {
  const r = await launch({
    command: [process.execPath, rankMain, scenario, JSON.stringify(config)],
    nprocPerNode: nproc,
    threadsPerRank: 1,
    output: 'capture',
    timeout: 30,
    killGraceMs: 1000,
    env,
  });
  const results = r.ranks.map((e) =>
    (e.output ?? '')
      .split('\n')
      .filter((l) => l.startsWith('RESULT '))
      .map((l) => JSON.parse(l.slice(7)) as unknown),
  );
  return { ...r, results };
}

/** True while a process with this id exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
