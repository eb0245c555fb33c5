type Child = Node | string | null | undefined | false;
type AttrValue = string | number | boolean | null | undefined | EventListener;

/**
 * Creates an element. `on*` function attributes become event listeners, `true` becomes an
 * empty attribute, and `false`/`null`/`undefined` leave the attribute out.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, AttrValue> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'function') {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (value === true) {
      element.setAttribute(name, '');
    } else if (value !== false && value !== null && value !== undefined) {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** Hidden from sight, still read by screen readers. */
export function visuallyHidden(text: string): HTMLSpanElement {
  return h('span', { class: 'sr-only' }, text);
}

/**
 * The element with `data-focus-key="<key>"` under `root`: a control's identity across
 * re-renders, so focus can return to the new copy of the element that had it.
 */
export function byFocusKey(root: ParentNode, key: string): HTMLElement | null {
  return root.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(key)}"]`);
}
