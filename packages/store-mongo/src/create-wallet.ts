import type { CreateWalletCommand, WriteOutcome } from '@wallet/ledger';
import { createdWallet, walletCreatedReply, walletExistsDetail } from '@wallet/ledger/store-kit';
import { walletToDoc } from './mapping.js';
import { isDuplicateKey } from './mongo-errors.js';
import { recordRefusal } from './refusal.js';
import { insertAudit, readRecord, storeOutcome, type Tx } from './write-common.js';

/** Thrown (aborting the transaction) when the user already has a wallet in that currency. */
export class WalletTaken extends Error {
  override name = 'WalletTaken';
}

/**
 * Creates the wallet with its idempotency record (when a key was sent) and audit event.
 * The unique {userId, currency} index decides races; its violation aborts this transaction
 * with WalletTaken, and recordWalletExists then stores the refusal in a fresh one.
 */
export async function createWallet(tx: Tx, command: CreateWalletCommand): Promise<WriteOutcome> {
  const prior = await readRecord(tx, command);
  if (prior) return { kind: 'existing', record: prior };
  const wallet = createdWallet(command);
  try {
    await tx.collections.wallets.insertOne(walletToDoc(wallet), tx.options);
  } catch (error) {
    if (isDuplicateKey(error)) throw new WalletTaken('wallet exists', { cause: error });
    throw error;
  }
  const outcome = await storeOutcome(tx, command, 'wallet.create', walletCreatedReply(wallet));
  await insertAudit(tx, command, 'wallet.create', 'ok', { walletId: wallet.id, amount: null });
  return outcome;
}

/** The remembered `wallet_exists` refusal, stored with the key in its own transaction. */
export async function recordWalletExists(tx: Tx, command: CreateWalletCommand): Promise<WriteOutcome> {
  const prior = await readRecord(tx, command);
  if (prior) return { kind: 'existing', record: prior };
  return recordRefusal(
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
