import type { FastifyInstance } from 'fastify';
import type { Static, TSchema } from '@sinclair/typebox';
import type { Caller, WriteOptions, WriteResult } from '@wallet/ledger';
import { sendKeyedWrite } from '../../lib/keyed-write.js';
import { resourceWriteOptions, type ResourceWriteSpec } from '../../lib/write-route.js';

/** The ledger call behind a keyed write on an existing resource (capture, void, reverse). */
export type ResourceWrite<Params extends TSchema, Body extends TSchema> = (
  caller: Caller,
  params: Static<Params>,
  body: Static<Body>,
  options: WriteOptions,
) => Promise<WriteResult>;

/**
 * Declares `POST url` as a keyed write on an existing resource: the options of
 * `resourceWriteOptions(spec)`, and a handler that runs `write` with the caller, the validated
 * path params and body and the request's keyed options, then renders its result.
 */
export function postResourceWrite<Params extends TSchema, Body extends TSchema, Result extends TSchema>(
  app: FastifyInstance,
  url: string,
  spec: ResourceWriteSpec<Params, Body, Result>,
  write: ResourceWrite<Params, Body>,
): void {
  // The schemas in `spec` validate params and body before the handler runs; the route generic
  // gives the handler their static types (a generic schema cannot go through the type provider).
  app.post<{ Params: Static<Params>; Body: Static<Body> }>(
    url,
    resourceWriteOptions(app, spec),
    async (request, reply) =>
      sendKeyedWrite(request, reply, (options) => write(request.caller, request.params, request.body, options)),
  );
}
