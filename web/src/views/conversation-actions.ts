/** Rename and delete, with their dialogs; used from the top bar and from the sidebar list. */
import type { Actions } from '../controller.js';
import { confirmDialog, promptDialog } from './dialog.js';

export interface NamedConversation {
  id: string;
  name: string;
}

export async function askRename(actions: Actions, { id, name }: NamedConversation) {
  const chatName = await promptDialog({
    title: 'Rename conversation',
    confirmLabel: 'Save',
    value: name,
  });
  if (chatName && chatName !== name) await actions.rename(id, chatName);
}

export async function askDelete(actions: Actions, { id, name }: NamedConversation) {
  const confirmed = await confirmDialog({
    title: 'Delete this conversation?',
    body: `“${name}” and all of its messages will be deleted. This cannot be undone.`,
    confirmLabel: 'Delete',
    danger: true,
  });
  if (confirmed) await actions.remove(id);
}
