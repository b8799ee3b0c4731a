import { Type } from '@sinclair/typebox';
import { OUTBOX_EVENT_TYPES } from '@wallet/ledger';
import { WEBHOOK_URL_CHARS_MAX } from '@wallet/webhooks';
import { Timestamp, Uuid, ref } from './common.js';

export const EventType = Type.Union(
  OUTBOX_EVENT_TYPES.map((type) => Type.Literal(type)),
  { description: 'event type' },
);

export const CreateWebhookBody = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: WEBHOOK_URL_CHARS_MAX,
      description: 'http(s) URL whose host resolves only to public internet addresses (globally reachable unicast)',
    }),
    events: Type.Optional(
      Type.Array(EventType, {
        maxItems: OUTBOX_EVENT_TYPES.length,
        uniqueItems: true,
        description: 'event types to deliver; empty or absent = all',
      }),
    ),
  },
  { additionalProperties: false },
);

const endpointFields = {
  id: Uuid,
  url: Type.String(),
  events: Type.Array(EventType, { maxItems: OUTBOX_EVENT_TYPES.length }),
  createdAt: Timestamp,
};

/** An endpoint as listed: never its secret. */
export const WebhookEndpoint = Type.Object(endpointFields, { $id: 'WebhookEndpoint', additionalProperties: false });

/** The creation answer: the only time the secret is shown. */
export const CreatedWebhookEnvelope = Type.Object(
  {
    data: Type.Object(
      {
        ...endpointFields,
        secret: Type.String({ description: 'Standard Webhooks secret (whsec_ + base64); shown once, store it now' }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const WebhookEnvelope = Type.Object({ data: ref(WebhookEndpoint) }, { additionalProperties: false });

export const WebhookList = Type.Object(
  { data: Type.Array(ref(WebhookEndpoint), { maxItems: 100 }), nextCursor: Type.Null() },
  { additionalProperties: false },
);

export const WebhookParams = Type.Object({ id: Uuid }, { additionalProperties: false });
