/**
 * What a log line may say about an error: its class and code, never the message (driver
 * messages can carry SQL, hosts or credentials) and never the stack.
 */
export function errorSummary(error: unknown): { name: string; code?: string } {
  if (!(error instanceof Error)) return { name: typeof error };
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' || typeof code === 'number'
    ? { name: error.name, code: String(code) }
    : { name: error.name };
}

/** A job failure whose message this worker wrote itself, safe for logs and the dead-letter list. */
export class JobFailure extends Error {
  override name = 'JobFailure';
}

/**
 * Wraps a processor so that what BullMQ records as `failedReason` (and the dead-letter API
 * shows) is never a driver message: foreign errors are replaced by their class and code.
 * Errors that steer BullMQ (UnrecoverableError) and our own failures pass through.
 */
export function withSafeFailures<J, R>(processor: (job: J) => Promise<R>): (job: J) => Promise<R> {
  return async (job) => {
    try {
      return await processor(job);
    } catch (error) {
      if (error instanceof JobFailure || (error instanceof Error && error.name === 'UnrecoverableError')) throw error;
      const summary = errorSummary(error);
      throw new JobFailure(summary.code ? `${summary.name} ${summary.code}` : summary.name);
    }
  };
}
