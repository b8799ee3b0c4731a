import { randomUUID } from 'node:crypto';
import type { LedgerStore } from '../store.js';

/** The store lifecycle of a contract target whose every store has its own schema or database. */
export interface NamedStores {
  /** Opens a store in a fresh `t_<uuid>` schema or database and gets it ready. */
  create(): Promise<LedgerStore>;
  /** Closes the store, then drops its schema or database. */
  destroy(store: LedgerStore): Promise<void>;
  /** The schema or database of a store this created; `what` names the caller in the error otherwise. */
  nameOf(store: LedgerStore, what: string): string;
}

/**
 * `create`/`destroy` for an adapter's contract test: `open(name)` builds a store in that
 * schema or database, `drop(name)` removes it. A store whose `ready()` fails is closed at
 * once: an open client would keep the process (and tap) waiting for nothing.
 */
export function namedStores(open: (name: string) => LedgerStore, drop: (name: string) => Promise<void>): NamedStores {
  const names = new Map<LedgerStore, string>();
  return {
    async create() {
      const name = `t_${randomUUID().replaceAll('-', '')}`;
      const store = open(name);
      names.set(store, name);
      try {
        await store.ready();
      } catch (error) {
        names.delete(store);
        await store.close();
        throw error;
      }
      return store;
    },
    async destroy(store) {
      const name = names.get(store);
      names.delete(store);
      await store.close();
      if (name) await drop(name);
    },
    nameOf(store, what) {
      const name = names.get(store);
      if (!name) throw new Error(`${what}: store not created by this target`);
      return name;
    },
  };
}
