/**
 * Keeps a live subscription tied to the token that opened it: the token is re-checked every
 * `authRecheckMs`, and once it no longer authenticates as the same user (removed with
 * `threadline users remove`) the stream ends. A timer rather than a check per event, so an
 * idle stream ends too and a fast one costs no file check per delta. The user service checks the
 * users file at most once per its `statIntervalMs`, so the stream ends within `authRecheckMs`
 * plus that interval of the removal.
 */
import type { Context } from '../context.js';

export function whileAuthorized<T>(
  source: AsyncIterable<T>,
  stop: AbortController,
  context: Context,
): AsyncIterableIterator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const timer = setInterval(async () => {
    const user = await context.services.users.authenticate(context.token).catch(() => null);
    if (user !== context.user) stop.abort('token revoked');
  }, context.authRecheckMs);
  timer.unref();
  const finish = () => {
    clearInterval(timer);
    stop.abort('ended');
  };

  const onResult = (result: IteratorResult<T>) => {
    if (result.done) finish();
    return result;
  };
  const onError = (error: unknown) => {
    finish();
    throw error;
  };

  return {
    // Not an async function: one promise per event instead of three, on the hottest path.
    next: () => iterator.next().then(onResult, onError),
    async return() {
      finish();
      await iterator.return?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
