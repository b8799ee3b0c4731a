import { Type } from '@sinclair/typebox';
import { PageCursor, PageLimit, Timestamp } from './common.js';

export const AuditEvent = Type.Object(
  {
    id: Type.String(),
    actor: Type.String(),
    ip: Type.String(),
    action: Type.String(),
    walletId: Type.Union([Type.String(), Type.Null()]),
    amount: Type.Union([Type.Integer(), Type.Null()]),
    outcome: Type.String(),
    requestId: Type.String(),
    createdAt: Timestamp,
  },
  { additionalProperties: false },
);

export const AuditQuery = Type.Object(
  { limit: Type.Optional(PageLimit), cursor: Type.Optional(PageCursor) },
  { additionalProperties: false },
);

export const AuditPage = Type.Object(
  { data: Type.Array(AuditEvent, { maxItems: 100 }), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  { additionalProperties: false },
);
