/**
 * A typed event emitter that isolates listeners: one that throws is logged and the others still run,
 * so a bug in a consumer never tears down the connection whose message it was handling (and never
 * gets that peer banned). node:events would rethrow into the socket's data handler instead.
 */
import type { Logger } from './types.ts';

/** Any listener type: `never` parameters accept every signature (parameters are contravariant). */
type Listener = (...args: never[]) => void;

export class Emitter<Events extends { [K in keyof Events]: Listener }> {
  private readonly listeners = new Map<keyof Events, Set<Listener>>();

  constructor(private readonly logger: Logger) {}

  on<E extends keyof Events>(event: E, listener: Events[E]): () => void {
    let set = this.listeners.get(event);
    if (set === undefined) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
    const set = this.listeners.get(event);
    if (set === undefined) return;
    for (const listener of set) {
      try {
        (listener as (...a: Parameters<Events[E]>) => void)(...args);
      } catch (err) {
        this.logger.error('p2p event listener threw', { event: String(event), error: err instanceof Error ? err.message : String(err) });
      }
    }
  }
}
