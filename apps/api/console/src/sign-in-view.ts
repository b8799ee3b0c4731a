// Sign-in card: paste a JWT, sign out, and (development only) mint a token through the
// API's dev route. Signing in or out toggles the rest of the console.
import { byId, showMessage, whileBusy } from './dom.js';
import type { WalletClient } from '@wallet/client';
import { describeProblem, settle } from './api.js';
import type { TokenClaims, TokenSession } from './session.js';

export interface SignInHooks {
  signedIn(claims: TokenClaims): void;
  signedOut(): void;
}

export function mountSignInView(client: WalletClient, session: TokenSession, hooks: SignInHooks): void {
  const fields = byId('sign-in-fields', HTMLFieldSetElement);
  const tokenInput = byId('token-input', HTMLTextAreaElement);
  const message = byId('sign-in-message', HTMLParagraphElement);
  const subInput = byId('dev-sub', HTMLInputElement);

  const signIn = (rawToken: string): void => {
    const outcome = session.signIn(rawToken);
    if (!outcome.ok) return showMessage(message, 'error', `Not signed in: ${outcome.reason}.`);
    tokenInput.value = '';
    showMessage(message, 'ok', `Signed in as ${outcome.claims.sub ?? '(no sub)'}${expiryText(outcome.claims)}.`);
    hooks.signedIn(outcome.claims);
  };

  byId('sign-in-button', HTMLButtonElement).addEventListener('click', () => signIn(tokenInput.value));
  byId('sign-out-button', HTMLButtonElement).addEventListener('click', () => {
    session.signOut();
    showMessage(message, 'info', 'Signed out.');
    hooks.signedOut();
  });
  byId('dev-mint-button', HTMLButtonElement).addEventListener('click', () => {
    void whileBusy(fields, async () => {
      const sub = subInput.value.trim();
      const spec = { method: 'POST', path: '/console/dev-token', body: { sub } } as const;
      const result = await settle(async (options) => (await client.request<{ token: string }>(spec, options)).data);
      if (!result.ok) {
        const hint =
          result.status === 404 ? ' The token route exists only when the API runs with NODE_ENV=development.' : '';
        return showMessage(message, 'error', `${describeProblem(result.problem)}.${hint}`);
      }
      signIn(result.data.token);
    });
  });

  const claims = session.claims();
  if (claims) {
    showMessage(message, 'info', `Signed in as ${claims.sub ?? '(no sub)'}${expiryText(claims)}.`);
    hooks.signedIn(claims);
  }
}

function expiryText(claims: TokenClaims): string {
  if (claims.exp === undefined) return '';
  return `, token expires ${new Date(claims.exp * 1000).toLocaleString()}`;
}
