/**
 * Keeps a live subscription tied to the token that opened it: the token is re-checked every
 * `authRecheckMs`, and once it no longer authenticates as the same user (removed with
 * `threadline users remove`) `stop` is aborted, which ends the stream with UNAUTHENTICATED. A timer rather than a
 * check per event, so an idle stream ends too and a fast one costs no file check per delta. The
 * user service checks the users file at most once per its `statIntervalMs`, so the stream ends
 * within `authRecheckMs` plus that interval of the removal.
 *
 * Not a wrapper around the stream: the returned function is the stream's `onEnd`, so events
 * pass through no extra promise on the hottest path.
 */
import type { Context } from '../context.js';
import { UnauthenticatedError } from '../services/errors.js';

export function watchAuthorization(stop: AbortController, context: Context): () => void {
  const timer = setInterval(async () => {
    let user: string | null;
    try {
      user = await context.services.users.authenticate(context.token);
    } catch {
      // The users file cannot be read just now (being rewritten, or broken by a hand edit): that
      // says nothing about this token, so the stream goes on and the next check decides.
      return;
    }
    // The client learns why its stream ended, rather than seeing it complete.
    if (user !== context.user) stop.abort(new UnauthenticatedError('The token is no longer valid'));
  }, context.authRecheckMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    stop.abort('ended');
  };
}
