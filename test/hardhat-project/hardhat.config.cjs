/**
 * A small Hardhat 2 project, as a user would point it at `cmt start --dev` (issue 7): run from this folder
 *   npx hardhat test --network cmt        (CMT_RPC_URL, default http://127.0.0.1:8545)
 *   npx hardhat test                      (Hardhat's in-process network, for comparison)
 *   npx hardhat test --network anvil      (ANVIL_RPC_URL, default http://127.0.0.1:8545)
 * test/e2e/hardhat-project.test.ts runs both and compares the results.
 *
 * CommonJS (.cjs) because the repository's package.json says "type": "module" and Hardhat 2 loads its config
 * with require().
 */
require('@nomicfoundation/hardhat-ethers');
require('@nomicfoundation/hardhat-chai-matchers');
const path = require('node:path');
const { subtask } = require('hardhat/config');
const { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } = require('hardhat/builtin-tasks/task-names');

// Hardhat 2 downloads compilers from binaries.soliditylang.org; CI reaches only the npm registry, so the
// compiler is the solcjs build of the pinned npm `solc` package (a devDependency of the repository).
const SOLC_VERSION = require('solc/package.json').version;

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async ({ solcVersion }) => {
  if (solcVersion !== SOLC_VERSION) {
    throw new Error(`only solc ${SOLC_VERSION} (the npm solc package) is available offline, not ${solcVersion}`);
  }
  // loaded here, not at the top: reading soljson takes a second and is only needed when something compiles
  const longVersion = require('solc').version();
  return { version: solcVersion, longVersion, compilerPath: require.resolve('solc/soljson.js'), isSolcJs: true };
});

// A separate build directory per run lets concurrent runs (and the two networks of one run) not share
// artifacts/cache in the source tree.
const buildDir = process.env.HARDHAT_BUILD_DIR;

// Machine-readable results for the comparison of the two networks; a person running it gets mocha's spec output.
const jsonOutput = process.env.MOCHA_JSON_OUTPUT;

/** @type {import('hardhat/config').HardhatUserConfig} */
module.exports = {
  solidity: { version: SOLC_VERSION, settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: 'prague' } },
  networks: {
    cmt: { url: process.env.CMT_RPC_URL ?? 'http://127.0.0.1:8545', chainId: 1234 },
    // for comparing timings with Foundry's node (docs/performance.md)
    anvil: { url: process.env.ANVIL_RPC_URL ?? 'http://127.0.0.1:8545', chainId: 31337 },
  },
  paths: buildDir === undefined ? {} : { artifacts: path.join(buildDir, 'artifacts'), cache: path.join(buildDir, 'cache') },
  mocha: {
    timeout: 60_000,
    ...(jsonOutput === undefined ? {} : { reporter: 'json', reporterOption: { output: jsonOutput } }),
  },
};
