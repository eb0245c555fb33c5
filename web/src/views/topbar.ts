import type { Actions } from '../controller.js';
import { h } from '../dom.js';
import { icon } from '../icons.js';
import type { AppState } from '../state.js';
import { askDelete, askRename } from './conversation-actions.js';

export function mountTopbar(container: HTMLElement, actions: Actions): (state: AppState) => void {
  const title = h('h1', { class: 'topbar-title', id: 'chat-title', dir: 'auto' });
  const model = h('span', { class: 'topbar-model' });
  let current: { id: string; name: string } | null = null;

  const rename = h(
    'button',
    {
      type: 'button',
      class: 'icon-button',
      'aria-label': 'Rename conversation',
      title: 'Rename',
      'data-action': 'rename',
      onClick: () => current && askRename(actions, current),
    },
    icon('pencil'),
  );
  const remove = h(
    'button',
    {
      type: 'button',
      class: 'icon-button',
      'aria-label': 'Delete conversation',
      title: 'Delete',
      'data-action': 'delete',
      onClick: () => current && askDelete(actions, current),
    },
    icon('trash'),
  );

  container.append(
    h(
      'button',
      {
        type: 'button',
        class: 'icon-button menu-button',
        'aria-label': 'Open conversation list',
        'aria-controls': 'sidebar',
        onClick: () => actions.setDrawer(true),
      },
      icon('menu'),
    ),
    h('div', { class: 'topbar-heading' }, title, model),
    h('div', { class: 'topbar-actions' }, rename, remove),
  );

  return (state) => {
    const conversation = state.conversations.find((c) => c.id === state.activeId);
    current = conversation ? { id: conversation.id, name: conversation.chatName } : null;
    title.textContent = conversation?.chatName ?? (state.activeId ? '' : 'New chat');
    // The tab and the browser's history name the conversation, not only the app.
    document.title = title.textContent ? `${title.textContent} – Threadline` : 'Threadline';
    model.textContent = state.defaultModel ?? '';
    rename.hidden = current === null;
    remove.hidden = current === null;
  };
}
