import type { TSchema } from '@sinclair/typebox';
import { Problem } from './common.js';
import { Hold } from './hold.js';
import { DeadLetter } from './operations.js';
import { Transaction } from './transaction.js';
import { Wallet } from './wallet.js';
import { WebhookEndpoint } from './webhooks.js';

/**
 * The schemas registered once with `app.addSchema` (each has an `$id`) and reached from the
 * route schemas through `ref()`: the OpenAPI document lists them under `components/schemas`,
 * so it and the client types generated from it describe a wallet or a problem once.
 */
export const SHARED_SCHEMAS: readonly TSchema[] = [Problem, Wallet, Transaction, Hold, WebhookEndpoint, DeadLetter];
