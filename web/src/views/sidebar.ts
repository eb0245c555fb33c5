import type { Actions } from '../controller.js';
import { byFocusKey, h } from '../dom.js';
import { icon } from '../icons.js';
import type { AppState, ConversationSummary } from '../state.js';
import { askDelete, askRename } from './conversation-actions.js';
import { formatRelative } from './format.js';

function conversationItem(
  conversation: ConversationSummary,
  active: boolean,
  actions: Actions,
): HTMLLIElement {
  const named = { id: conversation.id, name: conversation.chatName || 'Untitled chat' };
  const action = (label: string, name: 'pencil' | 'trash', run: () => Promise<void>) =>
    h(
      'button',
      {
        type: 'button',
        class: 'icon-button icon-button--small',
        'aria-label': `${label} “${named.name}”`,
        title: label,
        'data-focus-key': `${label}:${conversation.id}`,
        onClick: () => void run(),
      },
      icon(name),
    );
  return h(
    'li',
    { class: 'conversation-item' },
    h(
      'a',
      {
        class: 'conversation-link',
        href: `#/c/${encodeURIComponent(conversation.id)}`,
        'aria-current': active ? 'page' : null,
        'data-conversation-id': conversation.id,
        'data-focus-key': `link:${conversation.id}`,
      },
      h('span', { class: 'conversation-name', dir: 'auto' }, named.name),
      h(
        'span',
        { class: 'conversation-meta' },
        conversation.streaming ? h('span', { class: 'live-dot', title: 'Answering' }) : null,
        h('time', { datetime: conversation.lastUpdate }, formatRelative(conversation.lastUpdate)),
      ),
    ),
    // Beside the link, not inside it: a link may not hold buttons.
    h(
      'span',
      { class: 'conversation-actions' },
      action('Rename', 'pencil', () => askRename(actions, named)),
      action('Delete', 'trash', () => askDelete(actions, named)),
    ),
  );
}

export function mountSidebar(
  container: HTMLElement,
  actions: Actions,
): (state: AppState, previous: AppState | undefined) => void {
  // The links navigate through the hash; on a phone, picking one (even the open one) closes
  // the drawer.
  const list = h('ul', {
    class: 'conversation-list',
    role: 'list',
    onClick: (event: Event) => {
      if ((event.target as Element).closest('a')) actions.setDrawer(false);
    },
  });
  const empty = h('p', { class: 'sidebar-empty muted' }, 'No conversations yet.');
  const heading = h('h2', { class: 'sidebar-heading' }, 'Recent');
  const searchMore = h(
    'p',
    { class: 'sidebar-note muted', hidden: true },
    'Only the newest 100 matches are shown: add to the search to narrow it.',
  );
  const search = h('input', {
    type: 'search',
    class: 'input sidebar-search',
    placeholder: 'Search chats',
    'aria-label': 'Search chats by name',
    autocomplete: 'off',
    // The longest chat name the server takes by default: a longer search matches none.
    maxlength: 200,
    spellcheck: 'false',
    onInput: () => actions.search(search.value),
    onKeydown: (event: Event) => {
      // The first Escape ends the search; the next may close the drawer, as elsewhere.
      if ((event as KeyboardEvent).key !== 'Escape' || search.value === '') return;
      event.preventDefault();
      event.stopPropagation();
      search.value = '';
      actions.search('');
    },
  }) as HTMLInputElement;
  const more = h(
    'button',
    {
      type: 'button',
      class: 'button button--ghost button--block',
      onClick: () => void actions.loadMoreConversations(),
    },
    'Show older',
  );
  const newChat = h(
    'button',
    {
      type: 'button',
      class: 'button button--new-chat',
      'data-action': 'new-chat',
      onClick: () => void actions.open(null),
    },
    icon('plus'),
    'New chat',
  );
  const userName = h('span', { class: 'user-name' });
  const avatar = h('span', { class: 'avatar avatar--user', 'aria-hidden': 'true' });
  const offline = h(
    'span',
    {
      class: 'badge badge--offline',
      title: 'Answers come from the built-in emulator, not from a real model.',
    },
    'Offline mode',
  );

  container.append(
    h(
      'div',
      { class: 'sidebar-head' },
      h(
        'div',
        { class: 'brand' },
        h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'T'),
        'Threadline',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'icon-button sidebar-close',
          'aria-label': 'Close conversation list',
          onClick: () => actions.setDrawer(false),
        },
        icon('close'),
      ),
    ),
    newChat,
    search,
    h(
      'nav',
      { class: 'sidebar-nav', 'aria-label': 'Conversations' },
      heading,
      list,
      empty,
      searchMore,
      more,
    ),
    h(
      'div',
      { class: 'sidebar-foot' },
      avatar,
      h('div', { class: 'user-info' }, userName, offline),
      h(
        'button',
        {
          type: 'button',
          class: 'button button--ghost button--small',
          onClick: () => actions.signOut(),
        },
        'Sign out',
      ),
    ),
  );

  return (state, previous) => {
    // Signed out: the next user starts with no search.
    if (state.search === '' && search.value !== '') search.value = '';
    const results = state.searchResults;
    if (
      state.conversations !== previous?.conversations ||
      state.activeId !== previous?.activeId ||
      results !== previous?.searchResults
    ) {
      // The items are built anew; the control that had focus gets it back in its new copy, or
      // (its conversation gone) the list's first link does, rather than the page.
      const focused = list.contains(document.activeElement)
        ? (document.activeElement as HTMLElement).dataset.focusKey
        : undefined;
      // Matches as the list has them now: a rename, or an answer under way, shows in both.
      const current = new Map(state.conversations.map((c) => [c.id, c]));
      const shown = results?.map((c) => current.get(c.id) ?? c) ?? state.conversations;
      list.replaceChildren(
        ...shown.map((c) => conversationItem(c, c.id === state.activeId, actions)),
      );
      if (focused !== undefined) {
        (byFocusKey(list, focused) ?? list.querySelector<HTMLElement>('a') ?? search).focus();
      }
      heading.textContent = results ? 'Matches' : 'Recent';
      empty.textContent = results ? 'No chats match.' : 'No conversations yet.';
      empty.hidden = shown.length > 0 || (!results && state.loadingConversations);
      searchMore.hidden = !(results && state.searchMore);
    }
    const moreHadFocus = document.activeElement === more;
    // Older conversations are read into the whole list, not the matches.
    more.hidden = state.nextCursor === null || results !== null;
    // aria-disabled, not disabled: a disabled button drops its focus to the page (the
    // controller ignores a click while a page loads).
    more.setAttribute('aria-disabled', String(state.loadingConversations));
    if (moreHadFocus && more.hidden) {
      (list.querySelector<HTMLElement>('li:last-child a') ?? newChat).focus();
    }
    userName.textContent = state.userName ?? '';
    avatar.textContent = (state.userName ?? '?').slice(0, 1).toUpperCase();
    offline.hidden = !state.offlineMode;
  };
}
