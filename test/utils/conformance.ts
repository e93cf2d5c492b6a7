/**
 * JSON-RPC conformance fixtures in the ethereum/execution-apis `tests/` format, and the checks the runner
 * (test/e2e/conformance.test.ts) applies to our node's answers.
 *
 * FILE FORMAT (test/fixtures/rpc/<method>/<case>.io), as in execution-apis and hive's rpc-compat:
 *   // one or more comment lines: what is tested
 *   >> {request JSON, on one line, sent byte for byte as the HTTP POST body}
 *   << {expected response JSON, on one line}
 *   (more >> / << pairs: round trips run in order against the same node)
 * Comment lines may carry directives:
 *   // todo: src bug: <what and the spec reference>   the subtest is reported as TODO (a known deviation of the
 *                                                      node; the fixture states the spec's answer). Delete the
 *                                                      line once src is fixed; the runner says when it passes.
 *   // speconly: ...                                   (hive's marker) only the schema checks apply.
 *
 * COMPARISON: the response is parsed and compared with the expected JSON structurally: object key order does not
 * matter, but key SETS must be equal (a missing or an extra field is a mismatch), arrays compare element by
 * element, and every string (quantities, data, hashes), number, boolean and null compares exactly — "0x01" is
 * not "0x1". One exception, as in hive rpc-compat (redactErrorMessages): the `message` of an error object is
 * not compared when the fixture gives a plain string (that string documents the spec's or geth's wording);
 * `code` and `data` are. Where tools parse the message (ethers, viem: "nonce too low", "insufficient funds",
 * "execution reverted", ...), the fixture uses $MATCHES(...) and the message is checked.
 *
 * PLACEHOLDERS. The chain is rebuilt on every run (test/utils/conformanceChain.ts) and everything in it is
 * deterministic except what depends on the random validator key and the wall-clock commit timestamps: block
 * hashes (and so parentHash/blockHash fields), mixHash (prevRandao) and the block `proposer`. Fixtures refer to
 * those through placeholders; a placeholder is always a whole JSON string value, e.g. "$BLOCK_HASH(2)".
 *   Exact placeholders — replaced by a value from the chain just built, then compared exactly; allowed in
 *   `>>` requests as well as in `<<` responses:
 *     $BLOCK_HASH(n)   hash of block n, read once from eth_getBlockByNumber(n) after the chain is built
 *                      (its consistency is checked by the fixtures themselves: parentHash of n+1,
 *                      eth_getBlockByHash, blockHash of receipts and logs)
 *     $TX_HASH(i)      hash of script transaction i, computed locally as keccak256 of the signed bytes
 *     $RAW_TX(i)       the signed bytes of script transaction i (requests only)
 *     $CONTRACT        address of the Store contract (computed locally: CREATE of dev account 0, nonce 0)
 *     $PROPOSER        the validator address of genesis.json (the `proposer` of every block after genesis)
 *   Matchers — responses only; accept any value of a well-formed shape:
 *     $ANY             any JSON value (the key must still be present)
 *     $ANY_HASH        a 32-byte hash: ^0x[0-9a-f]{64}$ (used for mixHash, which derives from the commit)
 *     $ANY_ADDRESS     ^0x[0-9a-f]{40}$
 *     $ANY_QUANTITY    ^0x(0|[1-9a-f][0-9a-f]*)$
 *     $ANY_DATA        ^0x([0-9a-f]{2})*$
 *     $MATCHES(re)     a string matching the JavaScript regular expression `re` (JSON-escaped: "\\d")
 *   Everything else — addresses of dev accounts, transaction fields and signatures, state/receipt/transaction
 *   roots, sizes, gas, balances, proofs, timestamps — is literal in the fixtures and must match byte for byte.
 *
 * SCHEMA CHECKS: besides the fixture comparison, every response is checked against the execution-apis
 * schemas of the method (src/schemas/*.yaml): the JSON-RPC envelope, and the fields of every Block,
 * TransactionInfo, ReceiptInfo, Log, fee history and account proof object — required fields present, no
 * field outside the schema (Block allows the two documented CyberMiles extensions `proposer` and
 * `totalDifficulty`), and each value of its type: uint ^0x(0|[1-9a-f][0-9a-f]*)$, bytes ^0x([0-9a-f]{2})*$,
 * hash32/bytes32 32 bytes, address 20 bytes, bytes8, bytes256, byte, booleans and ratios.
 */

// ------------------------------------------------------------------------------------------------ fixtures

export interface RoundTrip {
  request: string;
  response: string;
  line: number;
}

export interface Fixture {
  /** `<method>/<case>` (path under the fixture root without .io). */
  name: string;
  comments: string[];
  trips: RoundTrip[];
  todo: string | undefined;
  specOnly: boolean;
}

export function parseIoFile(name: string, text: string): Fixture {
  const comments: string[] = [];
  const trips: RoundTrip[] = [];
  let pending: { request: string; line: number } | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    if (line.startsWith('//')) {
      comments.push(line.slice(2).trim());
    } else if (line.startsWith('>> ')) {
      if (pending) throw new Error(`${name}.io:${i + 1}: a request without a response before it`);
      pending = { request: line.slice(3), line: i + 1 };
    } else if (line.startsWith('<< ')) {
      if (!pending) throw new Error(`${name}.io:${i + 1}: a response without a request`);
      trips.push({ request: pending.request, response: line.slice(3), line: i + 1 });
      pending = undefined;
    } else {
      throw new Error(`${name}.io:${i + 1}: invalid line (expected //, >> or <<): ${line.slice(0, 60)}`);
    }
  });
  if (pending) throw new Error(`${name}.io: the last request has no response`);
  if (trips.length === 0) throw new Error(`${name}.io: no round trips`);
  if (comments.length === 0) throw new Error(`${name}.io: the first line must be a // comment saying what is tested`);
  const todo = comments.find((c) => c.startsWith('todo:'))?.slice(5).trim();
  return { name, comments, trips, todo, specOnly: comments.some((c) => c.startsWith('speconly')) };
}

// ------------------------------------------------------------------------------------------------ placeholders

export interface PlaceholderValues {
  blockHashes: string[];
  txHashes: string[];
  rawTxs: string[];
  contract: string;
  proposer: string;
}

const EXACT = /"\$(BLOCK_HASH|TX_HASH|RAW_TX)\((\d+)\)"|"\$(CONTRACT|PROPOSER)"/g;

/** Replaces exact placeholders ("$BLOCK_HASH(2)", ...) in a request or response line. */
export function substitute(line: string, v: PlaceholderValues): string {
  return line.replace(EXACT, (whole, indexed: string | undefined, n: string | undefined, named: string | undefined) => {
    let value: string | undefined;
    if (indexed !== undefined) {
      const list = indexed === 'BLOCK_HASH' ? v.blockHashes : indexed === 'TX_HASH' ? v.txHashes : v.rawTxs;
      value = list[Number(n)];
    } else value = named === 'CONTRACT' ? v.contract : v.proposer;
    if (value === undefined) throw new Error(`unknown placeholder ${whole}`);
    return JSON.stringify(value);
  });
}

const MATCHERS: Record<string, RegExp | null> = {
  $ANY: null,
  $ANY_HASH: /^0x[0-9a-f]{64}$/,
  $ANY_ADDRESS: /^0x[0-9a-f]{40}$/,
  $ANY_QUANTITY: /^0x(0|[1-9a-f][0-9a-f]*)$/,
  $ANY_DATA: /^0x([0-9a-f]{2})*$/,
};

/** A matcher for a `<<` string value, or undefined when the value is to be compared literally. */
function matcherOf(expected: string): ((actual: unknown) => boolean) | undefined {
  if (!expected.startsWith('$')) return undefined;
  if (expected in MATCHERS) {
    const re = MATCHERS[expected];
    return re === null || re === undefined ? () => true : (a) => typeof a === 'string' && re.test(a);
  }
  const m = /^\$MATCHES\((.*)\)$/s.exec(expected);
  if (m) {
    const re = new RegExp(m[1] as string);
    return (a) => typeof a === 'string' && re.test(a);
  }
  if (/^\$[A-Z_]+(\(\d+\))?$/.test(expected)) throw new Error(`unknown placeholder ${expected}`);
  return undefined;
}

// ------------------------------------------------------------------------------------------------ comparison

export interface Mismatch {
  path: string;
  problem: string;
}

const show = (v: unknown): string => {
  const s = v === undefined ? 'undefined' : JSON.stringify(v);
  return s.length > 140 ? `${s.slice(0, 137)}...` : s;
};

function isErrorObject(path: string, value: unknown): boolean {
  return /(^|\.)error$/.test(path) && typeof value === 'object' && value !== null && 'code' in value;
}

/** Structural comparison of an actual response with the expected one (see the rules at the top). */
export function compareJson(actual: unknown, expected: unknown, path = '$', out: Mismatch[] = []): Mismatch[] {
  if (typeof expected === 'string') {
    const matcher = matcherOf(expected);
    if (matcher) {
      if (!matcher(actual)) out.push({ path, problem: `expected ${expected}, got ${show(actual)}` });
    } else if (actual !== expected) out.push({ path, problem: `expected ${show(expected)}, got ${show(actual)}` });
    return out;
  }
  if (expected === null || typeof expected !== 'object') {
    if (actual !== expected) out.push({ path, problem: `expected ${show(expected)}, got ${show(actual)}` });
    return out;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) {
      out.push({ path, problem: `expected an array of ${expected.length}, got ${show(actual)}` });
      return out;
    }
    if (actual.length !== expected.length) out.push({ path, problem: `expected ${expected.length} elements, got ${actual.length}` });
    for (let i = 0; i < Math.min(actual.length, expected.length); i++) compareJson(actual[i], expected[i], `${path}[${i}]`, out);
    return out;
  }
  if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) {
    out.push({ path, problem: `expected an object, got ${show(actual)}` });
    return out;
  }
  const a = actual as Record<string, unknown>;
  const e = expected as Record<string, unknown>;
  const errorObject = isErrorObject(path, expected);
  for (const key of Object.keys(e)) {
    if (!(key in a)) {
      out.push({ path: `${path}.${key}`, problem: `missing (expected ${show(e[key])})` });
      continue;
    }
    if (errorObject && key === 'message' && typeof e.message === 'string' && matcherOf(e.message) === undefined) {
      if (typeof a.message !== 'string' || a.message === '') out.push({ path: `${path}.message`, problem: `expected a message string, got ${show(a.message)}` });
      continue;
    }
    compareJson(a[key], e[key], `${path}.${key}`, out);
  }
  for (const key of Object.keys(a)) {
    if (!(key in e)) out.push({ path: `${path}.${key}`, problem: `unexpected field (value ${show(a[key])})` });
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ schema checks

type Kind =
  | 'uint' | 'uint64' | 'uint256' | 'byte' | 'bytes' | 'bytes8' | 'hash32' | 'bytes256' | 'bytesMax32' | 'address'
  | 'addressOrNull' | 'boolean' | 'ratio' | 'hash32[]' | 'bytes[]' | 'uint[]' | 'ratio[]' | 'uint[][]' | 'accessList'
  | 'log[]' | 'storageProof[]' | 'withdrawals' | 'authorizationList' | 'checkedSeparately';

const PATTERNS: Partial<Record<Kind, RegExp>> = {
  uint: /^0x(0|[1-9a-f][0-9a-f]*)$/,
  uint64: /^0x(0|[1-9a-f][0-9a-f]{0,15})$/,
  uint256: /^0x(0|[1-9a-f][0-9a-f]{0,63})$/,
  byte: /^0x[0-9a-f]{1,2}$/,
  bytes: /^0x([0-9a-f]{2})*$/,
  bytes8: /^0x[0-9a-f]{16}$/,
  hash32: /^0x[0-9a-f]{64}$/,
  bytes256: /^0x[0-9a-f]{512}$/,
  bytesMax32: /^0x[0-9a-f]{0,64}$/,
  address: /^0x[0-9a-fA-F]{40}$/,
};

interface ObjectSchema {
  title: string;
  required: string[];
  properties: Record<string, Kind>;
  /** true: a field outside `properties` is a violation (additionalProperties: false, or our own strictness). */
  closed: boolean;
}

/** src/schemas/block.yaml Block, plus the documented CyberMiles extensions. */
const BLOCK: ObjectSchema = {
  title: 'Block',
  required: ['hash', 'parentHash', 'sha3Uncles', 'miner', 'stateRoot', 'transactionsRoot', 'receiptsRoot', 'logsBloom', 'number', 'gasLimit', 'gasUsed', 'timestamp', 'extraData', 'mixHash', 'nonce', 'size', 'transactions', 'uncles'],
  properties: {
    hash: 'hash32', parentHash: 'hash32', sha3Uncles: 'hash32', miner: 'address', stateRoot: 'hash32', transactionsRoot: 'hash32',
    receiptsRoot: 'hash32', logsBloom: 'bytes256', difficulty: 'uint', number: 'uint', gasLimit: 'uint', gasUsed: 'uint',
    timestamp: 'uint', extraData: 'bytes', mixHash: 'hash32', nonce: 'bytes8', baseFeePerGas: 'uint', withdrawalsRoot: 'hash32',
    blobGasUsed: 'uint', excessBlobGas: 'uint', parentBeaconBlockRoot: 'hash32', size: 'uint', withdrawals: 'withdrawals',
    uncles: 'hash32[]', requestsHash: 'hash32', blockAccessListHash: 'hash32', transactions: 'checkedSeparately',
    // CyberMiles extensions (Block has no additionalProperties: false): the proposing validator, and the
    // pre-merge field still served by Hardhat/anvil and read by some tools
    proposer: 'address', totalDifficulty: 'uint',
  },
  closed: true,
};

const TX_CONTEXT = { blockHash: 'hash32', blockNumber: 'uint', blockTimestamp: 'uint', from: 'address', hash: 'hash32', transactionIndex: 'uint' } as const;
const TX_CONTEXT_REQUIRED = ['blockHash', 'blockNumber', 'blockTimestamp', 'from', 'hash', 'transactionIndex'];

/** src/schemas/transaction.yaml TransactionInfo = contextual fields + Transaction<type>Signed, by type. */
const TRANSACTION: Record<string, ObjectSchema> = {
  '0x0': {
    title: 'TransactionInfo (legacy)',
    required: [...TX_CONTEXT_REQUIRED, 'type', 'nonce', 'gas', 'value', 'input', 'gasPrice', 'v', 'r', 's'],
    properties: { ...TX_CONTEXT, type: 'byte', nonce: 'uint', to: 'addressOrNull', gas: 'uint', value: 'uint', input: 'bytes', gasPrice: 'uint', chainId: 'uint', v: 'uint', r: 'uint', s: 'uint' },
    closed: true,
  },
  '0x1': {
    title: 'TransactionInfo (EIP-2930)',
    required: [...TX_CONTEXT_REQUIRED, 'type', 'nonce', 'gas', 'value', 'input', 'gasPrice', 'chainId', 'accessList', 'yParity', 'r', 's'],
    properties: { ...TX_CONTEXT, type: 'byte', nonce: 'uint', to: 'addressOrNull', gas: 'uint', value: 'uint', input: 'bytes', gasPrice: 'uint', accessList: 'accessList', chainId: 'uint', yParity: 'byte', v: 'byte', r: 'uint', s: 'uint' },
    closed: true,
  },
  '0x2': {
    title: 'TransactionInfo (EIP-1559)',
    required: [...TX_CONTEXT_REQUIRED, 'type', 'nonce', 'gas', 'value', 'input', 'maxFeePerGas', 'maxPriorityFeePerGas', 'gasPrice', 'chainId', 'accessList', 'yParity', 'r', 's'],
    properties: {
      ...TX_CONTEXT, type: 'byte', nonce: 'uint', to: 'addressOrNull', gas: 'uint', value: 'uint', input: 'bytes', maxFeePerGas: 'uint',
      maxPriorityFeePerGas: 'uint', gasPrice: 'uint', accessList: 'accessList', chainId: 'uint', yParity: 'byte', v: 'byte', r: 'uint', s: 'uint',
    },
    closed: true,
  },
  '0x4': {
    title: 'TransactionInfo (EIP-7702)',
    required: [...TX_CONTEXT_REQUIRED, 'type', 'nonce', 'to', 'gas', 'value', 'input', 'maxPriorityFeePerGas', 'maxFeePerGas', 'accessList', 'chainId', 'authorizationList', 'yParity', 'r', 's'],
    properties: {
      ...TX_CONTEXT, type: 'byte', nonce: 'uint', to: 'address', gas: 'uint', value: 'uint', input: 'bytes', maxPriorityFeePerGas: 'uint',
      maxFeePerGas: 'uint', gasPrice: 'uint', accessList: 'accessList', chainId: 'uint', authorizationList: 'authorizationList', yParity: 'byte', v: 'byte', r: 'uint', s: 'uint',
    },
    closed: true,
  },
};

/** src/schemas/receipt.yaml ReceiptInfo (additionalProperties: false). */
const RECEIPT: ObjectSchema = {
  title: 'ReceiptInfo',
  required: ['blockHash', 'blockNumber', 'from', 'cumulativeGasUsed', 'gasUsed', 'logs', 'logsBloom', 'transactionHash', 'transactionIndex', 'effectiveGasPrice'],
  properties: {
    type: 'byte', transactionHash: 'hash32', transactionIndex: 'uint', blockHash: 'hash32', blockNumber: 'uint', from: 'address', to: 'addressOrNull',
    cumulativeGasUsed: 'uint', gasUsed: 'uint', blobGasUsed: 'uint', contractAddress: 'addressOrNull', logs: 'log[]', logsBloom: 'bytes256',
    root: 'hash32', status: 'uint', effectiveGasPrice: 'uint', blobGasPrice: 'uint',
  },
  closed: true,
};

/** src/schemas/receipt.yaml Log (additionalProperties: false). */
const LOG: ObjectSchema = {
  title: 'Log',
  required: ['transactionHash'],
  properties: {
    removed: 'boolean', logIndex: 'uint', transactionIndex: 'uint', transactionHash: 'hash32', blockHash: 'hash32', blockNumber: 'uint',
    blockTimestamp: 'uint', address: 'address', data: 'bytes', topics: 'hash32[]',
  },
  closed: true,
};

/** src/eth/fee_market.yaml eth_feeHistory result (additionalProperties: false). */
const FEE_HISTORY: ObjectSchema = {
  title: 'FeeHistoryResults',
  required: ['oldestBlock', 'baseFeePerGas', 'gasUsedRatio'],
  properties: { oldestBlock: 'uint', baseFeePerGas: 'uint[]', baseFeePerBlobGas: 'uint[]', gasUsedRatio: 'ratio[]', blobGasUsedRatio: 'ratio[]', reward: 'uint[][]' },
  closed: true,
};

/** src/schemas/state.yaml AccountProof / StorageProof (additionalProperties: false). */
const ACCOUNT_PROOF: ObjectSchema = {
  title: 'AccountProof',
  required: ['address', 'accountProof', 'balance', 'codeHash', 'nonce', 'storageHash', 'storageProof'],
  properties: { address: 'address', accountProof: 'bytes[]', balance: 'uint256', codeHash: 'hash32', nonce: 'uint64', storageHash: 'hash32', storageProof: 'storageProof[]' },
  closed: true,
};
const STORAGE_PROOF: ObjectSchema = {
  title: 'StorageProof',
  required: ['key', 'value', 'proof'],
  properties: { key: 'bytesMax32', value: 'uint256', proof: 'bytes[]' },
  closed: true,
};

function checkKind(kind: Kind, value: unknown, path: string, out: Mismatch[]): void {
  const bad = (what: string): void => void out.push({ path, problem: `schema: expected ${what}, got ${show(value)}` });
  const arrayOf = (item: Kind): void => {
    if (!Array.isArray(value)) return bad(`an array of ${item}`);
    value.forEach((v, i) => checkKind(item, v, `${path}[${i}]`, out));
  };
  switch (kind) {
    case 'checkedSeparately':
      return;
    case 'addressOrNull':
      if (value !== null) checkKind('address', value, path, out);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') bad('a boolean');
      return;
    case 'ratio':
      if (typeof value !== 'number' || value < 0 || value > 1) bad('a number in [0, 1]');
      return;
    case 'hash32[]':
      return arrayOf('hash32');
    case 'bytes[]':
      return arrayOf('bytes');
    case 'uint[]':
      return arrayOf('uint');
    case 'ratio[]':
      return arrayOf('ratio');
    case 'uint[][]':
      if (!Array.isArray(value)) return bad('an array of arrays');
      value.forEach((v, i) => checkKind('uint[]', v, `${path}[${i}]`, out));
      return;
    case 'log[]':
      if (!Array.isArray(value)) return bad('an array of logs');
      value.forEach((v, i) => checkObject(LOG, v, `${path}[${i}]`, out));
      return;
    case 'storageProof[]':
      if (!Array.isArray(value)) return bad('an array of storage proofs');
      value.forEach((v, i) => checkObject(STORAGE_PROOF, v, `${path}[${i}]`, out));
      return;
    case 'accessList':
      if (!Array.isArray(value)) return bad('an access list');
      value.forEach((entry, i) =>
        checkObject({ title: 'AccessListEntry', required: ['address', 'storageKeys'], properties: { address: 'address', storageKeys: 'hash32[]' }, closed: true }, entry, `${path}[${i}]`, out),
      );
      return;
    case 'withdrawals':
      if (!Array.isArray(value)) return bad('an array of withdrawals');
      value.forEach((w, i) =>
        checkObject({ title: 'Withdrawal', required: ['index', 'validatorIndex', 'address', 'amount'], properties: { index: 'uint64', validatorIndex: 'uint64', address: 'address', amount: 'uint256' }, closed: true }, w, `${path}[${i}]`, out),
      );
      return;
    case 'authorizationList':
      if (!Array.isArray(value)) return bad('an authorization list');
      value.forEach((a, i) =>
        checkObject({ title: 'Authorization', required: ['chainId', 'nonce', 'address', 'yParity', 'r', 's'], properties: { chainId: 'uint', nonce: 'uint', address: 'address', yParity: 'byte', r: 'uint256', s: 'uint256' }, closed: true }, a, `${path}[${i}]`, out),
      );
      return;
    default: {
      const re = PATTERNS[kind];
      if (re === undefined) throw new Error(`no pattern for ${kind}`);
      if (typeof value !== 'string' || !re.test(value)) bad(`${kind} ${re.source}`);
    }
  }
}

function checkObject(schema: ObjectSchema, value: unknown, path: string, out: Mismatch[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    out.push({ path, problem: `schema: expected a ${schema.title} object, got ${show(value)}` });
    return;
  }
  const o = value as Record<string, unknown>;
  for (const key of schema.required) if (!(key in o)) out.push({ path: `${path}.${key}`, problem: `schema: ${schema.title} requires ${key}` });
  for (const [key, v] of Object.entries(o)) {
    const kind = schema.properties[key];
    if (kind === undefined) {
      if (schema.closed) out.push({ path: `${path}.${key}`, problem: `schema: ${key} is not a field of ${schema.title}` });
      continue;
    }
    checkKind(kind, v, `${path}.${key}`, out);
  }
}

function checkTransaction(value: unknown, path: string, out: Mismatch[]): void {
  const type = (value as { type?: unknown } | null)?.type;
  const schema = typeof type === 'string' ? TRANSACTION[type] : undefined;
  if (schema === undefined) out.push({ path: `${path}.type`, problem: `schema: unknown transaction type ${show(type)}` });
  else checkObject(schema, value, path, out);
}

function checkBlock(value: unknown, path: string, out: Mismatch[]): void {
  const txs = (value as { transactions?: unknown } | null)?.transactions;
  checkObject(BLOCK, value, path, out);
  if (!Array.isArray(txs)) {
    out.push({ path: `${path}.transactions`, problem: `schema: expected an array, got ${show(txs)}` });
    return;
  }
  const hashes = txs.every((t) => typeof t === 'string');
  txs.forEach((t, i) => (hashes ? checkKind('hash32', t, `${path}.transactions[${i}]`, out) : checkTransaction(t, `${path}.transactions[${i}]`, out)));
}

const nullable =
  (check: (v: unknown, p: string, o: Mismatch[]) => void) =>
  (v: unknown, p: string, o: Mismatch[]): void => {
    if (v !== null) check(v, p, o);
  };
const kind = (k: Kind) => (v: unknown, p: string, o: Mismatch[]): void => checkKind(k, v, p, o);
const list =
  (check: (v: unknown, p: string, o: Mismatch[]) => void) =>
  (v: unknown, p: string, o: Mismatch[]): void => {
    if (!Array.isArray(v)) o.push({ path: p, problem: `schema: expected an array, got ${show(v)}` });
    else v.forEach((x, i) => check(x, `${p}[${i}]`, o));
  };

/** Result schemas by method (src/eth/*.yaml); methods not listed only get the envelope check. */
const RESULT_CHECKS: Record<string, (v: unknown, p: string, o: Mismatch[]) => void> = {
  eth_chainId: kind('uint'),
  eth_blockNumber: kind('uint'),
  eth_gasPrice: kind('uint'),
  eth_maxPriorityFeePerGas: kind('uint'),
  eth_getBalance: kind('uint'),
  eth_getTransactionCount: kind('uint'),
  eth_estimateGas: kind('uint'),
  eth_getBlockTransactionCountByNumber: nullable(kind('uint')),
  eth_getBlockTransactionCountByHash: nullable(kind('uint')),
  eth_getCode: kind('bytes'),
  eth_call: kind('bytes'),
  eth_getStorageAt: kind('hash32'),
  eth_sendRawTransaction: kind('hash32'),
  web3_sha3: kind('hash32'),
  eth_syncing: (v, p, o) => {
    if (v !== false && (typeof v !== 'object' || v === null)) o.push({ path: p, problem: `schema: expected false or a syncing object, got ${show(v)}` });
  },
  eth_getBlockByNumber: nullable(checkBlock),
  eth_getBlockByHash: nullable(checkBlock),
  eth_getTransactionByHash: nullable(checkTransaction),
  eth_getTransactionByBlockHashAndIndex: nullable(checkTransaction),
  eth_getTransactionByBlockNumberAndIndex: nullable(checkTransaction),
  eth_getTransactionReceipt: nullable((v, p, o) => checkObject(RECEIPT, v, p, o)),
  eth_getBlockReceipts: nullable(list((v, p, o) => checkObject(RECEIPT, v, p, o))),
  eth_getLogs: list((v, p, o) => checkObject(LOG, v, p, o)),
  eth_feeHistory: (v, p, o) => checkObject(FEE_HISTORY, v, p, o),
  eth_getProof: (v, p, o) => checkObject(ACCOUNT_PROOF, v, p, o),
};

function checkEnvelope(response: unknown, method: string | undefined, path: string, out: Mismatch[]): void {
  if (typeof response !== 'object' || response === null || Array.isArray(response)) {
    out.push({ path, problem: `schema: a JSON-RPC response must be an object, got ${show(response)}` });
    return;
  }
  const r = response as Record<string, unknown>;
  if (r.jsonrpc !== '2.0') out.push({ path: `${path}.jsonrpc`, problem: `schema: must be "2.0", got ${show(r.jsonrpc)}` });
  if (!('id' in r)) out.push({ path: `${path}.id`, problem: 'schema: a response must carry the id (null when unknown)' });
  const keys = Object.keys(r).filter((k) => !['jsonrpc', 'id'].includes(k));
  if (keys.length !== 1 || (keys[0] !== 'result' && keys[0] !== 'error')) {
    out.push({ path, problem: `schema: exactly one of result and error, got fields ${show(keys)}` });
    return;
  }
  if ('error' in r) {
    const e = r.error as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null || !Number.isInteger(e.code) || typeof e.message !== 'string') {
      out.push({ path: `${path}.error`, problem: `schema: an error is {code: integer, message: string, data?}, got ${show(e)}` });
    } else {
      const extra = Object.keys(e).filter((k) => !['code', 'message', 'data'].includes(k));
      if (extra.length > 0) out.push({ path: `${path}.error`, problem: `schema: unexpected error fields ${show(extra)}` });
    }
    return;
  }
  const check = method === undefined ? undefined : RESULT_CHECKS[method];
  check?.(r.result, `${path}.result`, out);
}

/** Schema violations in a response (single or batch), given the request that produced it. */
export function checkSchemas(requestText: string, response: unknown): Mismatch[] {
  const out: Mismatch[] = [];
  let request: unknown;
  try {
    request = JSON.parse(requestText);
  } catch {
    request = undefined;
  }
  const methodOf = (r: unknown): string | undefined =>
    typeof r === 'object' && r !== null && typeof (r as { method?: unknown }).method === 'string' ? (r as { method: string }).method : undefined;
  if (Array.isArray(request) && Array.isArray(response)) {
    const byId = new Map<unknown, string | undefined>();
    for (const r of request) if (typeof r === 'object' && r !== null && 'id' in r) byId.set((r as { id: unknown }).id, methodOf(r));
    response.forEach((resp, i) => checkEnvelope(resp, byId.get((resp as { id?: unknown } | null)?.id), `$[${i}]`, out));
  } else {
    checkEnvelope(response, methodOf(request), '$', out);
  }
  return out;
}

export function formatMismatches(mismatches: Mismatch[]): string {
  return mismatches.map((m) => `  ${m.path}: ${m.problem}`).join('\n');
}
