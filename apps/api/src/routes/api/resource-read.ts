import type { FastifyInstance } from 'fastify';
import type { Static, TObject, TSchema } from '@sinclair/typebox';
import type { ErrorCode } from '@wallet/ledger';
import { problems } from '../../schemas/common.js';

/** An envelope schema `{ data: <the resource> }`. */
type Envelope = TObject<{ data: TSchema }>;

/** What the read of one of the caller's resources by its path params (a hold, a webhook endpoint) declares. */
export interface ResourceReadSpec<Params extends TSchema, Result extends Envelope> {
  tags: string[];
  summary: string;
  params: Params;
  /** The 200 reply. */
  result: Result;
  /** The 404 code when the caller has no such resource. */
  notFound: ErrorCode;
}

/** The service call behind such a read: the caller's resource named by the validated path params. */
export type ResourceRead<Params extends TSchema, Result extends Envelope> = (
  userId: string,
  params: Static<Params>,
) => Promise<Static<Result>['data']>;

/**
 * Declares `GET url` as the read of one of the caller's resources: it answers `{ data }` with
 * what `read` returns, 400 on malformed path params and 404 (`spec.notFound`) when `read` finds none.
 */
export function getResource<Params extends TSchema, Result extends Envelope>(
  app: FastifyInstance,
  url: string,
  spec: ResourceReadSpec<Params, Result>,
  read: ResourceRead<Params, Result>,
): void {
  // As in postResourceWrite: a generic schema cannot go through the type provider, so the route
  // generic types the params; `read`'s type ties its answer to the 200 schema.
  const schema = {
    tags: spec.tags,
    summary: spec.summary,
    params: spec.params,
    response: { 200: spec.result, ...problems('validation_failed', spec.notFound) },
  };
  app.get<{ Params: Static<Params> }>(url, { schema }, async (request) => ({
    data: await read(request.caller.userId, request.params),
  }));
}
