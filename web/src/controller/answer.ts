import { RetryResponseMutation, StopResponseMutation } from '../graphql/operations.js';
import type { ControllerContext } from './context.js';
import type { LiveConversation } from './live.js';
import { withNew } from './messages.js';

/** What can be done to the open conversation's last answer: stop it, or ask for it again. */
export interface AnswerActions {
  stop(): Promise<void>;
  /** Asks the question of the last, failed or stopped answer again; the old answer stays. */
  retryAnswer(messageId: string): Promise<void>;
}

export function createAnswerActions(ctx: ControllerContext, live: LiveConversation): AnswerActions {
  const { store, request } = ctx;

  async function stop() {
    const { activeId } = store.get();
    if (!activeId) return;
    try {
      const { stopResponse } = await request(StopResponseMutation, { conversationId: activeId });
      if (store.get().activeId !== activeId) return;
      // Nothing was streaming any more: the answer ended in a way this page did not see.
      if (!stopResponse) return void (await live.refresh(activeId));
      ctx.setMessages((messages) =>
        messages.map((m) =>
          m.id === stopResponse.id && m.status === 'STREAMING' ? stopResponse : m,
        ),
      );
      if (stopResponse.status !== 'STREAMING') live.onAnswerFinished(activeId, stopResponse);
    } catch (error) {
      ctx.fail(error, () => void stop(), activeId);
    }
  }

  async function retryAnswer(messageId: string) {
    const { activeId, messages } = store.get();
    if (!activeId || ctx.inFlight.has(activeId) || messages.at(-1)?.id !== messageId) return;
    store.set({ notice: null });
    ctx.inFlight.add(activeId);
    try {
      const { retryResponse } = await request(RetryResponseMutation, { conversationId: activeId });
      if (store.get().activeId !== activeId) return;
      ctx.setMessages((list) => withNew(list, [retryResponse.assistantMessage]));
      ctx.patchConversation(activeId, { streaming: true });
      ctx.announce('Answer started.');
      live.drainEarly(activeId);
    } catch (error) {
      ctx.fail(error, () => {
        void retryAnswer(messageId);
      });
    } finally {
      ctx.inFlight.delete(activeId);
    }
  }

  return { stop, retryAnswer };
}
