import { byFocusKey, h } from '../dom.js';

interface DialogOptions {
  title: string;
  body?: string;
  confirmLabel: string;
  danger?: boolean;
}

/**
 * A modal `<dialog>`: the browser traps focus, Escape cancels, and focus returns to the
 * element that opened it.
 */
function openDialog(
  options: DialogOptions,
  field: HTMLInputElement | null,
): Promise<string | null> {
  const opener = document.activeElement as HTMLElement | null;
  const titleId = `dialog-title-${Math.random().toString(36).slice(2)}`;
  const form = h(
    'form',
    { method: 'dialog', class: 'dialog-form' },
    h('h2', { id: titleId, class: 'dialog-title' }, options.title),
    options.body ? h('p', { class: 'dialog-body' }, options.body) : null,
    field
      ? h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Name'), field)
      : null,
    h(
      'div',
      { class: 'dialog-actions' },
      // Not a submit button: Enter in the field submits with the form's first submit button,
      // which must be the confirm one; and Cancel closes even with the name field empty.
      h(
        'button',
        { type: 'button', class: 'button button--ghost', onClick: () => dialog.close('cancel') },
        'Cancel',
      ),
      h(
        'button',
        {
          type: 'submit',
          value: 'confirm',
          class: options.danger ? 'button button--danger' : 'button button--primary',
          'data-confirm': true,
        },
        options.confirmLabel,
      ),
    ),
  );
  const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId }, form);
  document.body.append(dialog);

  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      const confirmed = dialog.returnValue === 'confirm';
      dialog.remove();
      // The opener may have been rebuilt meanwhile (a list re-rendered): find its new copy.
      const key = opener?.dataset.focusKey;
      const again = key ? byFocusKey(document, key) : null;
      (opener?.isConnected ? opener : again)?.focus();
      resolve(confirmed ? (field?.value ?? '') : null);
    });
    dialog.showModal();
    if (field) {
      field.focus();
      field.select();
    } else {
      form.querySelector<HTMLButtonElement>('[data-confirm]')?.focus();
    }
  });
}

export async function confirmDialog(options: DialogOptions): Promise<boolean> {
  return (await openDialog(options, null)) !== null;
}

/** Resolves with the trimmed text, or null when cancelled or left empty. */
export async function promptDialog(
  options: DialogOptions & { value: string },
): Promise<string | null> {
  const input = h('input', {
    type: 'text',
    class: 'input',
    name: 'value',
    required: true,
    // No maxlength: it counts UTF-16 units (an emoji as two), and the server's limit, in
    // characters, is configurable; a name over it is refused with a notice.
    autocomplete: 'off',
  });
  input.value = options.value;
  const value = await openDialog(options, input);
  return value?.trim() ? value.trim() : null;
}
