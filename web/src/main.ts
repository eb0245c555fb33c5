import './styles.css';
import { createHttpClient } from './api/http.js';
import { createSocket, socketUrl } from './api/ws.js';
import { loadToken, onTokenChangeElsewhere, takeTokenFromUrl } from './auth.js';
import { createController } from './controller.js';
import { h } from './dom.js';
import { settleLinkToken } from './link-sign-in.js';
import { onRouteChange } from './route.js';
import { type AppState, initialState } from './state.js';
import { createStore } from './store.js';
import { mountBanner } from './views/banner.js';
import { mountChat } from './views/chat.js';
import { mountComposer } from './views/composer.js';
import { renderAlert } from './views/notice.js';
import { mountSidebar } from './views/sidebar.js';
import { renderSignIn } from './views/sign-in.js';
import { mountTopbar } from './views/topbar.js';

const ENDPOINT = '/graphql';

const offeredToken = takeTokenFromUrl();
// Another tab signed in as someone else, or out: this page must not go on showing one user's
// data while it sends with another's token. Started again, it follows the new token.
onTokenChangeElsewhere(() => window.location.reload());

const store = createStore<AppState>({ ...initialState, browserOnline: navigator.onLine });
const request = createHttpClient({ url: ENDPOINT, token: loadToken });
const socket = createSocket({ url: socketUrl(ENDPOINT), token: loadToken });
const controller = createController(store, request, socket);

const root = document.getElementById('app')!;

/** Where the conversation list becomes a drawer (the `max-width: 820px` rules of styles.css). */
const narrow = window.matchMedia('(max-width: 820px)');
/** What the chat screen on show does when the window crosses that width. */
let onWidthChange: (() => void) | null = null;
narrow.addEventListener('change', () => onWidthChange?.());

/** The chat screen: built once, then each part re-renders what changed. */
function mountChatScreen(): (state: AppState, previous: AppState | undefined) => void {
  const sidebar = h('aside', { class: 'sidebar', id: 'sidebar' });
  const scrim = h('div', { class: 'scrim', onClick: () => controller.setDrawer(false) });
  const topbar = h('header', { class: 'topbar' });
  const bannerSlot = h('div', { class: 'banner-slot' });
  const chatSlot = h('div', { class: 'chat' });
  const noticeSlot = h('div', { class: 'notice-slot' });
  const composerSlot = h('div', { class: 'composer-slot' });
  const announcer = h('div', { class: 'sr-only', 'aria-live': 'polite', role: 'status' });
  const main = h('main', { class: 'main' }, topbar, bannerSlot, chatSlot, noticeSlot, composerSlot);
  // First in the tab order: past the conversation list to the message box. Not a fragment
  // link: the hash holds the open conversation.
  const skip = h(
    'button',
    { type: 'button', class: 'skip-link', onClick: () => composer.focus() },
    'Skip to message box',
  );
  const shell = h('div', { class: 'app' }, skip, sidebar, scrim, main, announcer);
  root.replaceChildren(shell);

  /**
   * An open drawer takes focus and leaves the page behind it out of reach (inert); closed, it
   * gives focus back to the menu button. Picking a conversation then moves it to the composer.
   */
  // Only a drawer (a narrow window) keeps the page behind it out of reach.
  const updateInert = () => {
    main.inert = narrow.matches && store.get().drawerOpen;
  };
  const moveDrawerFocus = (open: boolean) => {
    updateInert();
    if (open) {
      // A button in a sidebar still hidden cannot take focus: try again on the next frames
      // until the drawer is shown (a few frames at most).
      const close = sidebar.querySelector<HTMLElement>('.sidebar-close');
      const focusClose = (frames: number) => {
        if (!store.get().drawerOpen || !close) return;
        close.focus();
        if (document.activeElement !== close && frames > 0) {
          requestAnimationFrame(() => focusClose(frames - 1));
        }
      };
      focusClose(30);
      return;
    }
    if (sidebar.contains(document.activeElement) || document.activeElement === document.body) {
      topbar.querySelector<HTMLElement>('.menu-button')?.focus();
    }
  };

  // A drawer left open when the window widens is no drawer any more: it is closed, so that
  // narrowing again does not bring it back over the page.
  onWidthChange = () => {
    if (!narrow.matches && store.get().drawerOpen) controller.setDrawer(false);
    updateInert();
  };

  const renderSidebar = mountSidebar(sidebar, controller);
  const renderTopbar = mountTopbar(topbar, controller);
  const renderBanner = mountBanner(bannerSlot);
  const composer = mountComposer(composerSlot, controller);
  controller.attachComposer(composer);
  const renderChat = mountChat(chatSlot, controller, composer);

  return (state, previous) => {
    shell.classList.toggle('drawer-open', state.drawerOpen);
    if (state.drawerOpen !== (previous?.drawerOpen ?? false)) moveDrawerFocus(state.drawerOpen);
    renderSidebar(state, previous);
    renderTopbar(state);
    renderBanner(state);
    renderChat(state, previous);
    composer.render(state, previous);
    if (state.notice !== previous?.notice) {
      const notice = state.notice;
      const hadFocus = noticeSlot.contains(document.activeElement);
      noticeSlot.replaceChildren(
        ...(notice
          ? [
              renderAlert({
                code: notice.code,
                message: notice.message,
                onRetry:
                  notice.retry &&
                  (() => {
                    controller.dismissNotice();
                    notice.retry?.();
                  }),
                onDismiss: () => controller.dismissNotice(),
              }),
            ]
          : []),
      );
      // Its Retry or Dismiss, pressed, is gone with it: focus goes on to the composer.
      if (hadFocus && !noticeSlot.contains(document.activeElement)) composer.focus();
    }
    if (state.announcement !== previous?.announcement) announcer.textContent = state.announcement;
  };
}

let renderChatScreen: ((state: AppState, previous: AppState | undefined) => void) | null = null;

store.subscribe((state, previous) => {
  if (state.screen === 'chat') {
    const fresh = renderChatScreen === null;
    renderChatScreen ??= mountChatScreen();
    renderChatScreen(state, fresh ? undefined : previous);
    return;
  }
  renderChatScreen = null;
  onWidthChange = null;
  document.title = 'Threadline';
  if (state.screen === 'sign-in') {
    if (previous?.screen !== 'sign-in' || state.signInError !== previous.signInError) {
      root.replaceChildren(renderSignIn(state, (token) => void controller.signIn(token)));
    }
  } else if (previous?.screen !== 'loading') {
    root.replaceChildren(
      h('div', { class: 'splash', 'aria-label': 'Loading' }, h('span', { class: 'spinner' })),
    );
  }
});

socket.onStatus((status) => controller.setConnection(status));
window.addEventListener('online', () => store.set({ browserOnline: true }));
window.addEventListener('offline', () => store.set({ browserOnline: false }));
window.addEventListener('pagehide', () => controller.saveForReload());
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') void controller.refreshConversations();
});
onRouteChange((conversationId) => {
  if (store.get().screen === 'chat' && conversationId !== store.get().activeId) {
    void controller.open(conversationId, 'replace');
  }
});
document.addEventListener('keydown', (event) => {
  // An open dialog takes its own Escape (it closes, the drawer under it stays).
  if (event.key !== 'Escape' || !store.get().drawerOpen) return;
  if (document.querySelector('dialog[open]')) return;
  controller.setDrawer(false);
});

async function start(): Promise<void> {
  const refusal = offeredToken && (await settleLinkToken(offeredToken, ENDPOINT, root));
  await controller.start();
  if (refusal) store.set({ notice: { code: 'BAD_USER_INPUT', message: refusal } });
}

void start();
