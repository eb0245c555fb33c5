/**
 * Copies text, reporting whether it worked. The Clipboard API exists only in secure contexts
 * (HTTPS or localhost); a server reached over plain HTTP at a LAN address gets the older copy of
 * a selection, which browsers still allow in answer to a click.
 */
export async function copyText(text: string): Promise<boolean> {
  if (window.isSecureContext && navigator.clipboard) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Refused (a permission policy, a document without focus): the selection may still work.
    }
  }
  return copyBySelection(text);
}

function copyBySelection(text: string): boolean {
  const focused = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const area = document.createElement('textarea');
  area.value = text;
  area.readOnly = true;
  area.setAttribute('aria-hidden', 'true');
  // Off screen rather than hidden: an element that is not rendered cannot be selected.
  area.style.cssText = 'position:fixed;top:-1000px;left:0;opacity:0;';
  document.body.append(area);
  area.select();
  let copied = false;
  try {
    copied = document.execCommand('copy');
  } catch {
    copied = false;
  }
  area.remove();
  focused?.focus({ preventScroll: true });
  return copied;
}
