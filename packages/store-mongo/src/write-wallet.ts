import type { CreateWalletCommand, StoredBody, Wallet, WriteOutcome } from '@wallet/ledger';
import { walletToDoc } from './mapping.js';
import { isDuplicateKey } from './mongo-errors.js';
import { insertAudit, readRecord, storeOutcome, storeRefusal, type Tx } from './write-common.js';

/** Thrown (aborting the transaction) when the user already has a wallet in that currency. */
export class WalletTaken extends Error {
  override name = 'WalletTaken';
}

export const walletExistsDetail = (currency: string): string => `a ${currency} wallet already exists for this user`;

/**
 * Creates the wallet with its idempotency record (when a key was sent) and audit event.
 * The unique {userId, currency} index decides races; its violation aborts this transaction
 * with WalletTaken, and walletExistsIn then stores the refusal in a fresh one.
 */
export async function createWalletIn(tx: Tx, command: CreateWalletCommand): Promise<WriteOutcome> {
  const prior = await readRecord(tx, command);
  if (prior) return { kind: 'existing', record: prior };
  const wallet: Wallet = {
    id: command.walletId,
    userId: command.userId,
    currency: command.currency,
    balance: 0,
    version: 0,
    createdAt: command.now,
    updatedAt: command.now,
  };
  try {
    await tx.collections.wallets.insertOne(walletToDoc(wallet), tx.options);
  } catch (error) {
    if (isDuplicateKey(error)) throw new WalletTaken('wallet exists', { cause: error });
    throw error;
  }
  const body: StoredBody = { data: wallet };
  const outcome = await storeOutcome(tx, command, 'wallet.create', { statusCode: 201, body });
  await insertAudit(tx, command, 'wallet.create', 'ok', { walletId: wallet.id, amount: null });
  return outcome;
}

/** The remembered `wallet_exists` refusal, stored with the key in its own transaction. */
export async function walletExistsIn(tx: Tx, command: CreateWalletCommand): Promise<WriteOutcome> {
  const prior = await readRecord(tx, command);
  if (prior) return { kind: 'existing', record: prior };
  return storeRefusal(
    tx,
    command,
    'wallet.create',
    { code: 'wallet_exists', detail: walletExistsDetail(command.currency) },
    {
      walletId: command.walletId,
      amount: null,
    },
  );
}
