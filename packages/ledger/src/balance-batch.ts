import { randomUUID } from 'node:crypto';
import { balanceChangeOf, isRemembered, judgeBalanceChange } from './rules.js';
import {
  actionOf,
  auditEventFor,
  balanceReply,
  idempotencyRecordFor,
  outboxEventFor,
  refusalReply,
  type Reply,
} from './shapes.js';
import type {
  AuditEvent,
  BalanceCommand,
  IdempotencyRecord,
  OutboxEvent,
  StoredTransaction,
  Wallet,
  WriteOutcome,
} from './types.js';

/** Most commands one applyBalanceBatch call accepts (BALANCE_BATCH_MAX's ceiling). */
export const BALANCE_BATCH_SIZE_MAX = 1000;

/** Everything a batch of credits and debits on one wallet leaves behind, and each command's outcome. */
export interface BalanceBatchPlan {
  /** One per command, in the commands' order. */
  outcomes: WriteOutcome[];
  /** The wallet as read and after the last applied change (`after` is `before` when nothing applied). */
  wallet: { before: Wallet; after: Wallet } | null;
  /** The applied changes' entries, seq = the wallet's running version after each. */
  entries: StoredTransaction[];
  events: OutboxEvent[];
  /** One per stored outcome (successes and remembered refusals), as the single path audits. */
  audits: AuditEvent[];
  /** New records: successes and remembered refusals of keyed commands. */
  records: IdempotencyRecord[];
}

const recordKey = (userId: string, key: string): string => `${userId}\u0000${key}`;

/** The commands of one applyBalanceBatch call: 1..max, all on one wallet; RangeError otherwise. */
export function assertBalanceBatch(commands: readonly BalanceCommand[], max = BALANCE_BATCH_SIZE_MAX): void {
  if (commands.length < 1 || commands.length > max) throw new RangeError(`a balance batch holds 1 to ${max} commands`);
  const walletId = commands[0]!.walletId;
  if (commands.some((command) => command.walletId !== walletId))
    throw new RangeError('a balance batch is for one wallet');
}

/**
 * Judges a batch of credits and debits on one wallet as if they ran one by one, in order, on
 * the wallet as locked (`wallet`, null when absent) with the records already stored under
 * their keys (`priors`). Each command is judged by judgeBalanceChange on the running wallet
 * (the state after the commands before it), so a refusal falls exactly where a one-by-one run
 * refuses; a key used earlier in the batch (or stored before) is `existing` with that record,
 * which the core replays or answers 422, as it would sequentially. Rows are built with the
 * shapes' one definition of each, so a batch stores what the single path stores.
 */
export function judgeBalanceBatch(
  wallet: Wallet | null,
  commands: readonly BalanceCommand[],
  priors: readonly IdempotencyRecord[],
  newId: () => string = randomUUID,
): BalanceBatchPlan {
  const known = new Map(priors.map((record) => [recordKey(record.userId, record.key), record]));
  const plan: BalanceBatchPlan = { outcomes: [], wallet: null, entries: [], events: [], audits: [], records: [] };
  let running = wallet;
  const store = (command: BalanceCommand, outcome: string, reply: Reply): void => {
    const operation = actionOf(command);
    plan.audits.push(
      auditEventFor(command, operation, outcome, { id: newId(), walletId: command.walletId, amount: command.amount }),
    );
    if (command.idempotency) {
      const record = idempotencyRecordFor({ ...command, idempotency: command.idempotency }, operation, reply);
      plan.records.push(record);
      known.set(recordKey(command.userId, command.idempotency.key), record);
    }
    plan.outcomes.push({ kind: 'stored', statusCode: reply.statusCode, body: reply.body });
  };
  for (const command of commands) {
    const prior = command.idempotency && known.get(recordKey(command.userId, command.idempotency.key));
    if (prior) {
      plan.outcomes.push({ kind: 'existing', record: prior });
      continue;
    }
    const verdict = judgeBalanceChange(running, command);
    if (!verdict.ok) {
      if (isRemembered(verdict.code)) store(command, verdict.code, refusalReply(verdict.code, verdict.detail));
      else plan.outcomes.push({ kind: 'refused', code: verdict.code, detail: verdict.detail });
      continue;
    }
    const change = balanceChangeOf(running!, command);
    running = change.wallet;
    plan.entries.push({ ...change.entry, seq: running.version });
    plan.events.push(outboxEventFor(change.entry, running));
    store(command, 'ok', balanceReply(running, change.entry));
  }
  if (wallet && running) plan.wallet = { before: wallet, after: running };
  return plan;
}
