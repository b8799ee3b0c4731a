// The signed-in token lives in this tab's sessionStorage only: closing the tab signs out,
// and nothing is written to localStorage or cookies.

const STORAGE_KEY = 'wallet-console.token';

/** Longest token accepted from the text box; real JWTs here are a few hundred bytes. */
const TOKEN_LENGTH_MAX = 8192;

export interface TokenClaims {
  sub?: string;
  exp?: number;
  roles?: string[];
}

export class TokenSession {
  token(): string | null {
    return sessionStorage.getItem(STORAGE_KEY);
  }

  /** Stores a token after a shape check; the API, not the console, verifies signatures. */
  signIn(rawToken: string): { ok: true; claims: TokenClaims } | { ok: false; reason: string } {
    const token = rawToken.trim().replace(/^Bearer\s+/i, '');
    if (token.length === 0) return { ok: false, reason: 'paste a JWT first' };
    if (token.length > TOKEN_LENGTH_MAX) return { ok: false, reason: 'token is too long' };
    const claims = decodeClaims(token);
    if (!claims) return { ok: false, reason: 'this does not look like a JWT (header.payload.signature)' };
    sessionStorage.setItem(STORAGE_KEY, token);
    return { ok: true, claims };
  }

  signOut(): void {
    sessionStorage.removeItem(STORAGE_KEY);
  }

  claims(): TokenClaims | null {
    const token = this.token();
    return token ? decodeClaims(token) : null;
  }
}

/** Reads the payload for display (who am I, when does it expire); never trusted for access. */
export function decodeClaims(token: string): TokenClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]*$/.test(part))) return null;
  try {
    const base64 = parts[1]!.replaceAll('-', '+').replaceAll('_', '/');
    const json = new TextDecoder().decode(Uint8Array.from(atob(base64), (char) => char.charCodeAt(0)));
    const payload: unknown = JSON.parse(json);
    if (typeof payload !== 'object' || payload === null) return null;
    const record = payload as Record<string, unknown>;
    return {
      sub: typeof record.sub === 'string' ? record.sub : undefined,
      exp: typeof record.exp === 'number' ? record.exp : undefined,
      roles: Array.isArray(record.roles)
        ? record.roles.filter((role): role is string => typeof role === 'string')
        : undefined,
    };
  } catch {
    return null;
  }
}
