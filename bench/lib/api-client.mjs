// Plain HTTP calls to the API for seeding and set-up (never for the measured load, which
// autocannon drives). Every call has a timeout; bodies are parsed when they are JSON.

/** One call can wait this long; seeding runs a few thousand of them on a loaded machine. */
const CALL_TIMEOUT_MS = 15_000;

export async function callApi(baseUrl, { method = 'GET', path, token, body, idempotencyKey }) {
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  if (text !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(baseUrl + path, {
    method,
    headers,
    body: text,
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
  });
  const raw = await response.text();
  let json = null;
  try {
    json = raw ? JSON.parse(raw) : null;
  } catch {
    json = null;
  }
  return { status: response.status, json, raw, headers: response.headers };
}

/** Like callApi, but throws unless the status is one of `expected`. */
export async function expectApi(baseUrl, request, expected) {
  const result = await callApi(baseUrl, request);
  if (!expected.includes(result.status)) {
    const code = result.json?.code
      ? `${result.json.code}: ${String(result.json.detail ?? '').slice(0, 200)}`
      : result.raw.slice(0, 200);
    throw new Error(
      `${request.method ?? 'GET'} ${request.path} answered ${result.status} (${code}), expected ${expected.join('/')}`,
    );
  }
  return result;
}
