// Small DOM helpers: typed lookups that fail loudly when the page and the script disagree,
// element creation without innerHTML (API text is never parsed as HTML), and a busy guard.

export function byId<T extends HTMLElement>(id: string, type: abstract new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`console: #${id} is missing or not a ${type.name}`);
  return element;
}

export function within<T extends Element>(root: ParentNode, selector: string, type: abstract new () => T): T {
  const element = root.querySelector(selector);
  if (!(element instanceof type)) throw new Error(`console: ${selector} is missing or not a ${type.name}`);
  return element;
}

/** Creates an element with text content and optional class; children are appended as is. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: { text?: string; className?: string; title?: string } = {},
  children: Node[] = [],
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (options.text !== undefined) element.textContent = options.text;
  if (options.className) element.className = options.className;
  if (options.title) element.title = options.title;
  element.append(...children);
  return element;
}

export type MessageKind = 'ok' | 'error' | 'info';

export function showMessage(target: HTMLElement, kind: MessageKind, text: string): void {
  target.textContent = text;
  target.className = `message ${kind === 'info' ? '' : kind}`.trim();
}

/**
 * Runs an action with the fieldset disabled, so a button cannot fire a second request
 * while the first is in flight. A call while busy is ignored rather than queued.
 */
export async function whileBusy(fieldset: HTMLFieldSetElement, action: () => Promise<void>): Promise<void> {
  if (fieldset.disabled) return;
  fieldset.disabled = true;
  fieldset.setAttribute('aria-busy', 'true');
  try {
    await action();
  } finally {
    fieldset.disabled = false;
    fieldset.removeAttribute('aria-busy');
  }
}
