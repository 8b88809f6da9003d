// A little vanilla JS: copy to clipboard, reveal, <dialog>s and menus that behave from the
// keyboard, and pages that a reload or Back never posts again.

// What opened each dialog, so that closing it gives focus back there.
const dialogOpeners = new WeakMap();

function focusAfterClosing(opener) {
  if (!opener || !opener.isConnected) return;
  // An opener inside a menu closed with the menu: its summary is what the person sees.
  const menu = opener.closest("details");
  const target = menu && !menu.open ? menu.querySelector("summary") : opener;
  target.focus();
}

function closeMenu(menu, { focusSummary = false } = {}) {
  menu.removeAttribute("open");
  if (focusSummary) menu.querySelector("summary").focus();
}

// A secret (the secret key) is never in the page: a button with data-reveal-url asks the
// server for it with a POST, which Django's CSRF check guards (the token goes in the
// X-CSRFToken header, as Django's documentation says for scripts) and which the audit trail
// records. The answer is never cached.
async function revealedSecret(button) {
  const token = document.querySelector("input[name=csrfmiddlewaretoken]")?.value
    || document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/)?.[1] || "";
  let response = await fetch(button.dataset.revealUrl, {
    method: "POST",
    headers: { "X-CSRFToken": token },
    credentials: "same-origin",
    cache: "no-store",
    redirect: "error", // signed out meanwhile: the sign-in page is not a value
  });
  // A production key asks who is there first, unless they confirmed it lately
  // (static/reauthentication.js, on the pages that load it); null if they cancelled.
  if (response.status === 403 && window.portalReauthenticate) {
    response = await window.portalReauthenticate(response);
    if (!response) throw new Error("re-authentication cancelled");
  }
  if (!response.ok) throw new Error(`reveal answered ${response.status}`);
  return (await response.json()).value;
}

// What a copy button copies: a field's value, or an element's text. With a secret, the
// field's value is the secret, and in an element's text each [data-secret-mask] stands for it.
function copiedText(source, secret) {
  if (source.value !== undefined) return secret ?? source.value;
  if (secret === undefined) return source.textContent.trim();
  const copy = source.cloneNode(true);
  for (const mask of copy.querySelectorAll("[data-secret-mask]")) mask.textContent = secret;
  return copy.textContent.trim();
}

function flash(button, text) {
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  button.textContent = text;
  setTimeout(() => { button.textContent = label; delete button.dataset.label; }, 1500);
}

async function writeClipboard(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Clipboard API unavailable (plain http on another host): copy from a field of our own,
    // out of sight, so a secret is never shown for the copy's sake.
    const field = document.createElement("textarea");
    field.value = text;
    field.setAttribute("readonly", "");
    field.style.position = "fixed";
    field.style.opacity = "0";
    document.body.append(field);
    field.select();
    document.execCommand("copy");
    field.remove();
  }
}

document.addEventListener("click", async (event) => {
  const copyButton = event.target.closest("[data-copy-target]");
  if (copyButton) {
    const source = document.getElementById(copyButton.dataset.copyTarget);
    let secret;
    if (copyButton.dataset.revealUrl) {
      try {
        secret = await revealedSecret(copyButton);
      } catch {
        flash(copyButton, "Could not copy");
        return;
      }
    }
    await writeClipboard(copiedText(source, secret));
    flash(copyButton, "Copied");
    return;
  }
  const revealer = event.target.closest("[data-reveal]");
  if (revealer) {
    // Swap the masked value for the real one, fetched from the server (administrators only).
    const field = document.getElementById(revealer.dataset.reveal);
    if (!field.dataset.masked) {
      let secret;
      try {
        secret = await revealedSecret(revealer);
      } catch {
        flash(revealer, "Could not reveal");
        return;
      }
      field.dataset.masked = field.value;
      field.value = secret;
      revealer.textContent = "Hide";
    } else {
      field.value = field.dataset.masked;
      delete field.dataset.masked;
      revealer.textContent = "Reveal";
    }
    return;
  }
  const opener = event.target.closest("[data-open-dialog]");
  if (opener) {
    const dialog = document.getElementById(opener.dataset.openDialog);
    dialogOpeners.set(dialog, opener);
    opener.closest("details")?.removeAttribute("open");
    dialog.showModal();
    return;
  }
  const closer = event.target.closest("[data-close-dialog]");
  if (closer) {
    closer.closest("dialog").close();
    return;
  }
  for (const menu of document.querySelectorAll("details.menu[open]")) {
    if (!menu.contains(event.target)) closeMenu(menu);
  }
});

// Escape closes the open menu and returns focus to its summary. (An open dialog handles
// Escape itself; its "close" event below returns focus.)
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || document.querySelector("dialog[open]")) return;
  const menu = event.target.closest?.("details.menu[open]")
    || document.querySelector("details.menu[open]");
  if (menu) {
    event.preventDefault();
    closeMenu(menu, { focusSummary: true });
  }
});

// Closing a dialog (its buttons, Escape, the form inside) gives focus back to its opener.
document.addEventListener("close", (event) => {
  if (event.target instanceof HTMLDialogElement) focusAfterClosing(dialogOpeners.get(event.target));
}, true);

// Only one menu open at a time.
document.addEventListener("toggle", (event) => {
  const menu = event.target;
  if (!(menu instanceof HTMLDetailsElement) || !menu.open || !menu.matches(".menu")) return;
  for (const other of document.querySelectorAll("details.menu[open]")) {
    if (other !== menu && !other.contains(menu)) closeMenu(other);
  }
}, true);

// The field an error list speaks of: the input just before it, else the form's first one.
function fieldOf(errorList) {
  let previous = errorList.previousElementSibling;
  while (previous && !previous.matches("input, select, textarea, fieldset")) {
    if (previous.matches(".errorlist, label, legend")) previous = previous.previousElementSibling;
    else break;
  }
  if (previous?.matches("fieldset")) return previous.querySelector("input, select, textarea");
  if (previous?.matches("input, select, textarea")) return previous;
  return errorList.closest("form")?.querySelector(
    "input:not([type=hidden]), select, textarea",
  );
}

// Each cell learns the heading of its column, which a phone shows beside it once the
// table's rows are stacked into cards (portal.css).
function labelTableCells() {
  for (const table of document.querySelectorAll(".table-scroll table")) {
    const headings = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    for (const row of table.querySelectorAll("tbody tr")) {
      [...row.children].forEach((cell, index) => {
        if (headings[index] && !cell.dataset.label) cell.dataset.label = headings[index];
      });
    }
  }
}

addEventListener("DOMContentLoaded", () => {
  labelTableCells();

  // A page that answers a POST (a show-once token, a form with errors) becomes a plain
  // GET of its own address in the history, so that reloading it or coming Back to it
  // neither posts the form again nor shows the browser's "Confirm resubmission" page.
  history.replaceState(history.state, "", location.href);

  // A dialog rendered open by the server (the show-once token, a form with errors).
  for (const dialog of document.querySelectorAll("dialog[data-open-on-load]")) dialog.showModal();

  // The first error on the page is brought into view, and its field focused, even when the
  // form sits below the fold of a page that reloaded at its top.
  for (const errorList of document.querySelectorAll(".errorlist")) {
    const field = fieldOf(errorList);
    if (field && !errorList.closest(".messages")) field.setAttribute("aria-invalid", "true");
  }
  const firstError = [...document.querySelectorAll(".errorlist")].find(
    (list) => !list.closest("dialog:not([open])"),
  );
  if (firstError) {
    firstError.scrollIntoView({ block: "center" });
    fieldOf(firstError)?.focus({ preventScroll: true });
  }
});
