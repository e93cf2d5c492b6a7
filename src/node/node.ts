/**
 * The composition root: options -> components, and their lifecycle. The only place that builds
 * concrete implementations (lmdb store, system clock, RPC server) and wires chain, mempool, block
 * producer and RPC together.
 */
import { EventEmitter } from 'node:events';
import { Address } from '@ethereumjs/util';
import { isSponsoredPrice, prepareRawTx, quoteSponsorship, stakingParamsOf, validateRawTx } from '../execution/index.ts';
import type { AdmissionRules, ValidatedTx } from '../execution/index.ts';
import { createMempool } from '../mempool/index.ts';
import type { Mempool } from '../mempool/index.ts';
import { FEE_POOL_ADDRESS } from '../params/index.ts';
import { ChainError, bytesToHex, checkedHexToBytes, equalBytes, hexToBytes } from '../primitives/index.ts';
import { ed25519Address, keccak256 } from '../crypto/index.ts';
import { TIMEOUT_PRESETS } from '../consensus/index.ts';
import type { Hex } from '../primitives/index.ts';
import { createFilterRegistry, createHandlerTable, createRpcServer } from '../rpc/index.ts';
import type { NodeEvents, RpcBackend, RpcServer } from '../rpc/index.ts';
import { createLmdbStore, openWriteAheadLog } from '../storage/index.ts';
import { blockTxHashes } from '../types/index.ts';
import type { Block, Genesis, Receipt } from '../types/index.ts';
import { openChain } from './chain.ts';
import type { Chain } from './chain.ts';
import type { Clock } from './clock.ts';
import { createDevControls, restorePendingEdits } from './devControls.ts';
import { deriveDevAccounts } from './devAccounts.ts';
import type { DevAccount } from './devAccounts.ts';
import { homePaths, loadGenesis, loadKeyFile } from './home.ts';
import type { Logger } from './logger.ts';
import type { NodeOptions } from './options.ts';
import { BlockProducer } from './producer.ts';
import { startRecoveryThread } from './recovery.ts';
import { SILENT_OUTBOX } from './consensusDriver.ts';
import { NodeNetwork } from './network.ts';
import { EvidencePool } from './evidencePool.ts';
import { createMetrics } from './metrics.ts';
import { startMetricsServer } from './metricsServer.ts';
import type { MetricsServer } from './metricsServer.ts';
import { createFileSignerState, createMemorySignerState, createSigner } from './signer.ts';
import { createInProcessExecutor, createWorkerExecutor } from './executor.ts';
import { Prebuilder } from './prebuilder.ts';
import { InclusionWaiters } from './waiters.ts';
import { clientVersion } from './clientVersion.ts';

export interface Node {
  readonly chain: Chain;
  readonly rpc: RpcServer;
  readonly devAccounts: DevAccount[];
  /** How this node decides blocks: alone (paced by the block time) or with a validator network. */
  readonly consensus: { mode: 'paced' | 'network'; validators: number; p2p: string | undefined };
  /** http://host:port/metrics when --metrics.port is set. */
  readonly metricsUrl: string | undefined;
  stop(): Promise<void>;
}

export interface NodeDeps {
  logger: Logger;
  clock: Clock;
}

/**
 * A single validator that is this node decides alone, paced by the block time (and dev controls); any
 * other genesis is a network: this node joins it through p2p, as a validator or as a full node.
 */
function consensusMode(genesis: Genesis, validatorAddress: Uint8Array, dev: boolean, path: string): 'paced' | 'network' {
  const only = genesis.validators.length === 1 ? genesis.validators[0] : undefined;
  const alone = only !== undefined && equalBytes(ed25519Address(only.publicKey), validatorAddress);
  if (alone) return 'paced';
  if (dev) throw new ChainError('BAD_OPTION', `--dev runs a single-validator chain, but ${path} lists ${genesis.validators.length} validators (or not this node's key)`);
  return 'network';
}

export async function startNode(opts: NodeOptions, deps: NodeDeps): Promise<Node> {
  const paths = homePaths(opts.home);
  const genesis = loadGenesis(opts.home);
  const validatorKey = loadKeyFile(paths.validatorKey);
  const validatorAddress = ed25519Address(validatorKey.publicKey);
  const mode = consensusMode(genesis, validatorAddress, opts.dev.enabled, paths.genesis);
  const chain = await openChain(createLmdbStore(paths.db), genesis, { allowUnlimitedContractSize: opts.dev.allowUnlimitedContractSize });
  const rules: AdmissionRules = {
    chainId: genesis.chainId,
    maxTxSizeBytes: genesis.maxTxSizeBytes,
    blockGasLimit: genesis.blockGasLimit,
    minGasPriceWei: genesis.minGasPriceWei,
  };
  const pool: Mempool<ValidatedTx> = createMempool<ValidatedTx>({
    maxTxSizeBytes: genesis.maxTxSizeBytes,
    maxPerAccount: opts.mempool.maxPerAccount,
    maxTotal: opts.mempool.maxTotal,
    minGasPrice: genesis.minGasPriceWei,
  });
  const events = new EventEmitter<NodeEvents>();
  const waiters = new InclusionWaiters();
  const devAccounts = opts.dev.enabled ? deriveDevAccounts(opts.dev.mnemonic, opts.dev.accounts) : [];
  const keys = new Map(devAccounts.map((a) => [a.address.toLowerCase(), hexToBytes(a.privateKey)]));
  const impersonated = new Set<string>();
  const baseFee = genesis.minGasPriceWei;

  const accountState = async (sender: string) => {
    // the sender is recovered, never user input: no pattern check
    const account = await chain.readState(chain.head().header.height).getAccount(new Address(checkedHexToBytes(sender)));
    return { nonce: account?.nonce ?? 0n, balance: account?.balance ?? 0n };
  };

  const recovery = startRecoveryThread((err) => deps.logger.warn('signature-recovery thread failed: senders are recovered on the JSON-RPC thread', { error: String(err) }));
  // automine's blocks hold one transaction each: the worker's four thread hops a block cost more than the
  // parallel execution gains there (ADR 0027)
  const inWorker = opts.executionWorker === 'auto' ? !(mode === 'paced' && opts.blockTimeMs === 0) : opts.executionWorker;
  const executor = new Prebuilder({
    executor: inWorker
      ? createWorkerExecutor(chain, { dbPath: paths.db, genesis, allowUnlimitedContractSize: opts.dev.allowUnlimitedContractSize, belowRpc: opts.dev.enabled })
      : createInProcessExecutor(chain),
    upcoming: () => producer.upcomingContext(),
    candidates: () => pool.pending(baseFee, Number(producer.time.gasLimit / 21_000n)).map((t) => t.payload),
    logger: deps.logger,
  });
  // a dev chain can be rewound, and has no other validator to be consistent with: its signer state is memory
  const newSigner = (dev: boolean) =>
    createSigner(validatorKey.seed, genesis.consensusChainId, dev ? createMemorySignerState() : createFileSignerState(paths.signerState), (reason) =>
      deps.logger.warn('signer refused', { reason }),
    );
  // Every node gets its signer: consensus signs only at heights whose set holds this node's key, so a node
  // outside the set follows the chain and signs nothing, and starts signing at the height a validator set
  // change (from the execution layer) adds it.
  const signer = newSigner(opts.dev.enabled);
  // the hashes stay with the block object, for eth_getBlockBy* once it is stored
  const blockTransactions = (block: Block): ValidatedTx[] =>
    blockTxHashes(block).map((hash, i) => pool.get(hash)?.payload ?? validateRawTx(block.transactions[i] as Uint8Array, chain.txCommon, rules));
  const metrics = createMetrics();
  const evidence = new EvidencePool(chain.store.committedEvidenceKeys());
  let lastCommitMs: number | undefined;
  const wal = opts.dev.enabled ? undefined : openWriteAheadLog(paths.consensusWal);
  const network: NodeNetwork | undefined =
    mode === 'network'
      ? new NodeNetwork({
          nodeKey: loadKeyFile(paths.nodeKey),
          consensusChainId: genesis.consensusChainId,
          p2p: opts.p2p,
          store: chain.store,
          headHeight: () => chain.head().header.height,
          admitFromPeer: async (raw) => {
            if (pool.get(bytesToHex(keccak256(raw))) !== undefined) return false;
            await admit(validateRawTx(raw, chain.txCommon, rules), false);
            return true;
          },
          pendingTransactions: () => pool.pending(baseFee).map((t) => t.payload.raw),
          evidence,
          clock: deps.clock,
          logger: deps.logger,
        })
      : undefined;
  const producer: BlockProducer = new BlockProducer(opts.blockTimeMs, {
    chain,
    executor,
    clock: deps.clock,
    logger: deps.logger,
    feePool: hexToBytes(FEE_POOL_ADDRESS),
    candidates: (fee, maxCount) => pool.pending(fee, maxCount).map((t) => t.payload),
    blockTransactions,
    evidence,
    async onCommitted(block, executed) {
      for (const tx of executed.transactions) pool.remove(tx.hash);
      for (const r of executed.rejected) {
        pool.remove(r.tx.hash);
        waiters.reject(r.tx.hash, new ChainError('TX_DROPPED', `transaction ${r.tx.hash} dropped: ${r.reason}`));
      }
      const states = new Map<string, { nonce: bigint; balance: bigint }>();
      for (const sender of pool.senders()) states.set(sender, await accountState(sender));
      const dropped = pool.update((s) => states.get(s) ?? { nonce: 0n, balance: 0n }, baseFee);
      for (const hash of dropped.unpayable) waiters.reject(hash, new ChainError('TX_DROPPED', `transaction ${hash} dropped: its sender can no longer pay for it`));
      executed.transactions.forEach((tx, i) => {
        if (waiters.has(tx.hash)) waiters.resolve(tx.hash, executed.receipts[i] as Receipt);
      });
      publish(block, () => executed.receipts);
      evidence.markCommitted(block.evidence);
      network?.onCommitted();
      const nowMs = deps.clock.nowMs();
      metrics.height.set(block.header.height);
      metrics.rounds.set(producer.consensus.lastDecisionRound);
      metrics.totalTxs.inc(executed.transactions.length);
      if (lastCommitMs !== undefined) metrics.blockInterval.observe((nowMs - lastCommitMs) / 1000);
      lastCommitMs = nowMs;
      if (pool.stats().pending > 0) void producer.dispatch({ kind: 'txsAvailable', nowMs: deps.clock.nowMs() });
    },
    onHalted: (err) => waiters.rejectAll(err),
  }, {
    mode,
    signer,
    ...(opts.dev.enabled ? { freshSigner: () => newSigner(true) } : {}),
    wal,
    timeouts: TIMEOUT_PRESETS[opts.consensus.timeouts],
    outbox: network?.gossip ?? SILENT_OUTBOX,
  });

  let rpc: RpcServer | undefined;
  /** `receipts` decodes them (from the execution worker's message) on first use: most blocks have no one asking. */
  const publish = (block: Block, receipts: () => Receipt[]): void => {
    events.emit('block', block, receipts);
    filters.onBlock(block, receipts);
    rpc?.onBlock(block, receipts);
  };

  /** A price-0 call: whose GasSponsor deposit would pay it in the next block, or the reason none would (ADR 0016). */
  const sponsorshipOf = (tx: ValidatedTx) => {
    const height = chain.head().header.height;
    return quoteSponsorship(chain.readState(height), { to: tx.tx.to?.bytes, sender: tx.sender, gasLimit: tx.gasLimit }, height + 1n, baseFee);
  };

  const admit = async (tx: ValidatedTx, announce = true): Promise<Hex> => {
    producer.requireRunning();
    const account = await accountState(tx.sender);
    const sponsor = isSponsoredPrice(tx.maxFeePerGas, baseFee) ? await sponsorshipOf(tx) : undefined;
    // fields named, not spread: a spread would build the transaction object validateRawTx leaves lazy
    const { hash, sender, nonce, gasLimit, maxFeePerGas, maxPriorityFeePerGas, value } = tx;
    const added = pool.add(
      { hash, sender, nonce, gasLimit, maxFeePerGas, maxPriorityFeePerGas, value, size: tx.raw.length, payload: tx, ...(sponsor === undefined ? {} : { sponsor }) },
      account,
      baseFee,
    );
    if ('evicted' in added && added.evicted !== undefined) {
      waiters.reject(added.evicted, new ChainError('TX_DROPPED', `transaction ${added.evicted} evicted from the full pool by a better-paying one`));
    }
    if (announce) network?.txs.announce(tx.raw);
    events.emit('pendingTx', tx.hash);
    filters.onPendingTx(tx.hash);
    rpc?.onPendingTx(tx.hash);
    const automine = producer.blockTimeMs === 0;
    const executable = added.status === 'pending' || (added.status === 'replaced' && added.executable);
    // interval mining: start executing it now, in the block the next tick will seal
    if (executable && producer.blockTimeMs > 0 && Number.isFinite(producer.blockTimeMs)) executor.offer(tx);
    const wait = automine && executable ? waiters.wait(tx.hash) : undefined;
    // interval mining picks transactions up on its own schedule; only automine needs the nudge
    if (producer.blockTimeMs === 0) void producer.dispatch({ kind: 'txsAvailable', nowMs: deps.clock.nowMs() });
    if (wait !== undefined) await wait;
    return tx.hash;
  };

  const backend: RpcBackend = {
    chainId: genesis.chainId,
    // only a dev chain may pass for Hardhat or anvil: tools treat those as throwaway chains (ADR 0008)
    clientVersion: clientVersion(opts.dev.enabled ? opts.dev.clientVersionCompat : 'none'),
    common: chain.common,
    txCommon: chain.txCommon,
    store: chain.store,
    gasCap: opts.rpc.gasCap,
    minGasPriceWei: genesis.minGasPriceWei,
    stakingParams: stakingParamsOf(genesis),
    events,
    pool: {
      pendingNonce: (sender, accountNonce) => pool.pendingNonce(sender.toLowerCase(), accountNonce),
      get: (hash) => pool.get(hash)?.payload,
      content: () => {
        const c = pool.content();
        const unwrap = (m: Map<string, Array<{ payload: ValidatedTx }>>) => new Map([...m].map(([k, v]) => [k, v.map((t) => t.payload)]));
        return { pending: unwrap(c.pending), queued: unwrap(c.queued) };
      },
      stats: () => pool.stats(),
      remove: (hash) => pool.remove(hash),
    },
    dev: undefined,
    head: () => chain.head(),
    stateAt: (height) => chain.stateAt(height),
    readState: (height) => chain.readState(height),
    vmAt: (height, state) => chain.vmAt(height, state),
    withCallVM: (height, fn) => chain.withCallVM(height, fn),
    pendingEnv: () => {
      const head = chain.head().header;
      return {
        height: head.height + 1n,
        timestamp: producer.peekTimestamp(head.timestamp),
        gasLimit: producer.time.gasLimit,
        baseFeePerGas: baseFee,
        prevRandao: producer.peekPrevRandao(),
        coinbase: hexToBytes(FEE_POOL_ADDRESS),
      };
    },
    accounts: () => devAccounts.map((a) => a.address.toLowerCase() as Hex),
    signingKey: (address) => keys.get(address.toLowerCase()),
    isImpersonated: (address) => impersonated.has(address.toLowerCase()),
    submitTransaction: async (raw, signedHere = false) => {
      // the sender's key is recovered on its own thread (recovery.ts); what it cannot take is validated here. An
      // automining node validates here too: it mines one transaction at a time, and the trip to the recovery
      // thread and back (~0.35 ms) was longer than the recovery (~0.05 ms) on the path a test suite waits on
      const prepared = signedHere || producer.blockTimeMs === 0 ? undefined : prepareRawTx(raw, chain.txCommon, rules);
      const key = prepared === undefined ? undefined : await recovery.recover(prepared.signingHash, prepared.r, prepared.s, prepared.recovery);
      return admit(prepared !== undefined && key !== undefined ? prepared.finish(key) : validateRawTx(raw, chain.txCommon, rules));
    },
    submitImpersonated: (tx) => admit(tx),
    peerCount: () => network?.peerCount() ?? 0,
    catchingUp: () => network?.catchingUp() ?? false,
  };
  const filters = createFilterRegistry(backend, () => deps.clock.nowMs());
  /** A dev-mode state edit can make queued transactions executable, or pending ones stale or unpayable. */
  const onStateEdited = async (): Promise<void> => {
    const states = new Map<string, { nonce: bigint; balance: bigint }>();
    for (const sender of pool.senders()) states.set(sender, await accountState(sender));
    const dropped = pool.update((s) => states.get(s) ?? { nonce: 0n, balance: 0n }, baseFee);
    for (const hash of [...dropped.stale, ...dropped.unpayable]) {
      waiters.reject(hash, new ChainError('TX_DROPPED', `transaction ${hash} dropped: the edited state no longer admits it`));
    }
    if (producer.blockTimeMs === 0 && pool.stats().pending > 0) void producer.dispatch({ kind: 'txsAvailable', nowMs: deps.clock.nowMs() });
  };
  if (opts.dev.enabled) {
    restorePendingEdits(chain, producer);
    (backend as { dev: RpcBackend['dev'] }).dev = createDevControls({ chain, executor, producer, pool, impersonated, clock: deps.clock, waiters, onStateEdited });
  }

  rpc = createRpcServer(opts.rpc, createHandlerTable(filters, { dev: opts.dev.enabled }), backend, {
    maxBatchSize: opts.rpc.maxBatchSize,
    onError: (method, err) => {
      if (!(err instanceof ChainError) || err.action === 'internal') deps.logger.warn('rpc handler failed', { method, error: String(err) });
    },
  });
  await rpc.start();
  const server = rpc;
  const render = (): string => {
    const s = pool.stats();
    metrics.mempoolSize.set(s.pending + s.queued);
    metrics.peers.set(backend.peerCount());
    return metrics.render();
  };
  let metricsServer: MetricsServer | undefined;
  try {
    metricsServer = opts.metrics === undefined ? undefined : await startMetricsServer(opts.metrics, { render });
    await network?.start(producer);
  } catch (err) {
    await metricsServer?.stop();
    await server.stop();
    await recovery.close();
    throw err;
  }
  await producer.start();
  return {
    chain,
    rpc: server,
    devAccounts,
    consensus: { mode, validators: genesis.validators.length, p2p: network?.p2p.selfAddress() },
    metricsUrl: metricsServer?.url,
    async stop() {
      await metricsServer?.stop();
      await server.stop();
      await network?.stop();
      await producer.stop();
      await executor.close();
      await recovery.close();
      wal?.log.close();
      await chain.close();
    },
  };
}
