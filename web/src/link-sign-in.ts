/**
 * A sign-in link opened in a browser where someone is already signed in with another token. The
 * user chooses whether to switch; a link whose token the server refuses changes nothing.
 */
import { toApiError } from './api/errors.js';
import { createHttpClient } from './api/http.js';
import { loadToken, saveToken, settleOffer } from './auth.js';
import { SessionQuery } from './graphql/operations.js';
import { renderSwitchUser } from './views/switch-user.js';

/**
 * Settles `offered` (from `takeTokenFromUrl`) against the token kept here, asking in `root` when
 * both work; resolves with a message for the user when the link's token was refused.
 */
export async function settleLinkToken(
  offered: string,
  endpoint: string,
  root: HTMLElement,
): Promise<string | null> {
  try {
    return await settle(offered, endpoint, root);
  } finally {
    settleOffer();
  }
}

async function settle(offered: string, endpoint: string, root: HTMLElement) {
  const current = loadToken();
  const [currentName, offeredName] = await Promise.all([
    current === null ? null : nameOf(current, endpoint),
    nameOf(offered, endpoint),
  ]);
  if (offeredName === null) {
    return currentName
      ? `The sign-in link's token was not accepted. You are still signed in as ${currentName}.`
      : "The sign-in link's token was not accepted.";
  }
  // Nothing to keep: the token here no longer works.
  if (currentName === null) {
    saveToken(offered);
    return null;
  }
  if (currentName !== undefined && currentName === offeredName) return null;
  const switchTo = await new Promise<boolean>((resolve) => {
    root.replaceChildren(renderSwitchUser(currentName, offeredName, resolve));
  });
  if (switchTo) saveToken(offered);
  return null;
}

/** The user `token` signs in as; null when the server refuses it, undefined when unknown. */
async function nameOf(token: string, endpoint: string): Promise<string | null | undefined> {
  try {
    const session = await createHttpClient({ url: endpoint, token: () => token })(SessionQuery, {});
    return session.me.name;
  } catch (error) {
    return toApiError(error).code === 'UNAUTHENTICATED' ? null : undefined;
  }
}
