// Entry point of the web console bundle: wires the views to one HTTP client, one token
// session and one wallet store. Runs as a module script, so the DOM is parsed already.
import { byId, showMessage } from './dom.js';
import { createClient, describeProblem } from './api.js';
import { mountCaptureRaceDemo } from './capture-race-demo.js';
import { mountHistoryView } from './history-view.js';
import { mountHoldsView } from './holds-view.js';
import { mountIntentForms } from './intent-forms.js';
import { mountRaceDemo } from './race-demo.js';
import { mountRetryDemo } from './retry-demo.js';
import { TokenSession } from './session.js';
import { mountSignInView } from './sign-in-view.js';
import { WalletStore } from './wallet-store.js';
import { mountWalletsView } from './wallets-view.js';

const session = new TokenSession();
const client = createClient(session);
const wallets = new WalletStore(client);
const app = byId('app', HTMLDivElement);
const whoami = byId('whoami', HTMLParagraphElement);
const walletsMessage = byId('wallets-message', HTMLParagraphElement);

mountWalletsView(client, wallets);
const history = mountHistoryView(client, wallets);
// After money moves, balances, the newest history page and the holds are stale: reload them.
const onMoved = (): void => {
  void wallets.refresh().then(() => Promise.all([history.reloadFirstPage(), holds.reload()]));
};
const holds = mountHoldsView(client, wallets, onMoved);
mountIntentForms(client, wallets, onMoved);
mountRetryDemo(client, wallets, onMoved);
mountRaceDemo(client, wallets, onMoved);
mountCaptureRaceDemo(client, wallets, onMoved);

mountSignInView(client, session, {
  signedIn: (claims) => {
    whoami.textContent = `Signed in as ${claims.sub ?? '(no sub)'}`;
    app.hidden = false;
    void wallets.refresh().then((problem) => {
      if (problem) showMessage(walletsMessage, 'error', describeProblem(problem));
    });
  },
  signedOut: () => {
    whoami.textContent = 'Signed out';
    app.hidden = true;
    wallets.clear();
  },
});
