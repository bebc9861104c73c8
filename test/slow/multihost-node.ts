// One "host" of the multi-host check: a launcher for this node's ranks (rank-main.ts), as
// `pixelwise train --nnodes 2 --node-rank R` will start them. Prints its LaunchResult as JSON.
// argv: <nodeRank> <masterAddr> <masterPort> <scenario> <config json>
import { fileURLToPath } from 'node:url';
import { launch } from '../../src/distributed/index.js';

const [nodeRank, masterAddr, masterPort, scenario, config] = process.argv.slice(2);
const result = await launch({
  command: [process.execPath, fileURLToPath(new URL('../distributed/rank-main.js', import.meta.url)), scenario!, config!],
  nprocPerNode: 1,
  nnodes: 2,
  nodeRank: Number(nodeRank),
  masterAddr: masterAddr!,
  masterPort: Number(masterPort),
  threadsPerRank: 1,
  output: 'capture',
  timeout: 30,
  killGraceMs: 1000,
});
console.log(JSON.stringify(result));
process.exitCode = result.ok ? 0 : 1;
