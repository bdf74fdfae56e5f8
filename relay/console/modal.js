// The in-page modal dialog (a native <dialog> opened with showModal(): focus stays inside,
// Escape cancels). Confirmations and small forms both use it.

import { h } from '/console/dom.js';
import { errorMessage, isQuiet } from '/console/api.js';

const CLOSE_ALL = 'punchlink-close';

// opts: {title, message?, body? (a Node, e.g. inputs), confirmLabel?, danger?,
//        onConfirm? (async (form) → value; a throw shows its message and keeps the dialog)}
// Resolves with onConfirm's value (true without one), or null when cancelled.
export function openDialog(opts) {
  return new Promise((resolve) => {
    const previous = document.activeElement;
    let busy = false;
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const cancel = h('button', { type: 'button', class: 'button', onclick: () => finish(null) }, 'Cancel');
    const confirm = h('button', {
      type: 'submit',
      class: opts.danger ? 'button danger' : 'button primary',
      'data-testid': 'confirm',
    }, opts.confirmLabel || 'Confirm');
    const form = h('form', { class: 'dialog-form', onsubmit: submit },
      h('h2', { class: 'dialog-title' }, opts.title),
      opts.message ? h('p', { class: 'dialog-message' }, opts.message) : null,
      opts.body || null,
      error,
      h('div', { class: 'dialog-actions' }, cancel, confirm));
    const dialog = h('dialog', { class: 'dialog', 'aria-label': opts.title }, form);

    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      if (!busy) finish(null);
    });
    dialog.addEventListener(CLOSE_ALL, () => finish(null));

    async function submit(event) {
      event.preventDefault();
      if (busy) return;
      if (!opts.onConfirm) return finish(true);
      setBusy(true);
      try {
        const value = await opts.onConfirm(form);
        finish(value === undefined ? true : value);
      } catch (err) {
        if (isQuiet(err)) return finish(null);
        setBusy(false);
        error.textContent = errorMessage(err);
        error.hidden = false;
        confirm.focus();
      }
    }

    function setBusy(value) {
      busy = value;
      confirm.disabled = value;
      cancel.disabled = value;
      confirm.setAttribute('aria-busy', String(value));
    }

    function finish(value) {
      if (!dialog.isConnected) return;
      dialog.close();
      dialog.remove();
      if (previous && previous.isConnected && typeof previous.focus === 'function') previous.focus();
      resolve(value);
    }

    document.body.append(dialog);
    dialog.showModal();
    const firstInput = form.querySelector('input, select, textarea');
    (firstInput || (opts.danger ? cancel : confirm)).focus();
  });
}

// A yes/no question; destructive ones get a red confirm button and focus on Cancel.
export function confirmDialog(title, message, confirmLabel = 'Confirm', onConfirm = null) {
  return openDialog({ title, message, confirmLabel, danger: true, onConfirm });
}

// Closes every open dialog as cancelled (the session ended under it).
export function closeDialogs() {
  for (const dialog of document.querySelectorAll('dialog.dialog')) dialog.dispatchEvent(new Event(CLOSE_ALL));
}
