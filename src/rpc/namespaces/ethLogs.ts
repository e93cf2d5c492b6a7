/** eth_getLogs and the polling filter methods. */
import type { FilterRegistry } from '../filters.ts';
import { invalidParams } from '../errors.ts';
import { queryLogs } from '../logFilter.ts';
import type { HandlerTable } from '../params.ts';
import { requireParam } from '../params.ts';

function filterObject(params: unknown[]): Record<string, unknown> {
  const f = requireParam(params, 0, 'filter');
  if (typeof f !== 'object' || Array.isArray(f)) throw invalidParams('invalid filter: expected an object');
  return f as Record<string, unknown>;
}

function filterId(params: unknown[]): string {
  const id = requireParam(params, 0, 'filter id');
  if (typeof id !== 'string') throw invalidParams('filter id must be a hex string');
  return id;
}

export function createLogHandlers(filters: FilterRegistry): HandlerTable {
  return {
    eth_getLogs: (params, backend) => queryLogs(filterObject(params), backend),
    eth_newFilter: (params) => filters.newLogFilter(filterObject(params)),
    eth_newBlockFilter: () => filters.newBlockFilter(),
    eth_newPendingTransactionFilter: () => filters.newPendingTxFilter(),
    eth_uninstallFilter: (params) => filters.uninstall(filterId(params)),
    eth_getFilterChanges: (params) => filters.changes(filterId(params)),
    eth_getFilterLogs: (params) => filters.logs(filterId(params)),
  };
}
