/** `npm run build:contracts`: writes contracts/artifacts/*.json and contracts/abi.ts (see contractArtifacts.ts). */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PROJECT_ROOT } from '../test/utils/solc.ts';
import { generateContractArtifacts } from './contractArtifacts.ts';

const files = generateContractArtifacts();
const artifactsDir = join(PROJECT_ROOT, 'contracts', 'artifacts');
// artifacts of contracts that no longer exist go away
for (const f of readdirSync(artifactsDir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name)) {
  if (!files.some((g) => g.path === `contracts/artifacts/${f}`)) rmSync(join(artifactsDir, f));
}
for (const f of files) {
  mkdirSync(dirname(join(PROJECT_ROOT, f.path)), { recursive: true });
  writeFileSync(join(PROJECT_ROOT, f.path), f.content);
}
process.stdout.write(`wrote ${files.length - 1} artifacts and contracts/abi.ts\n`);
