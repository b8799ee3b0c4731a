// Fires calls at once and sorts their outcomes, for the client's concurrency tests.

/** Starts `count` calls together; the values of those that resolved and the errors of those that threw. */
export async function allAtOnce<T>(count: number, call: () => Promise<T>): Promise<{ values: T[]; errors: unknown[] }> {
  const outcomes = await Promise.allSettled(Array.from({ length: count }, call));
  const values = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const errors = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
  return { values, errors };
}
