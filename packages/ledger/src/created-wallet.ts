import { minor } from './money.js';
import type { CreateWalletCommand, Wallet } from './types.js';

/** The wallet a creation command makes, as both stores write it: empty, version 0. */
export function createdWallet(command: CreateWalletCommand): Wallet {
  return {
    id: command.walletId,
    userId: command.userId,
    currency: command.currency,
    balance: minor(0),
    heldBalance: minor(0),
    availableBalance: minor(0),
    version: 0,
    createdAt: command.now,
    updatedAt: command.now,
  };
}
