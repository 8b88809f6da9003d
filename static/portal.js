// A little vanilla JS: copy to clipboard, open <dialog>s, close menus when clicking away.
document.addEventListener("click", async (event) => {
  const copyButton = event.target.closest("[data-copy-target]");
  if (copyButton) {
    const source = document.getElementById(copyButton.dataset.copyTarget);
    const text = source instanceof HTMLTemplateElement
      ? source.content.textContent.trim()
      : source.value !== undefined ? source.value : source.textContent.trim();
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // Clipboard API unavailable (plain http on another host): select the text instead.
      const range = document.createRange();
      range.selectNodeContents(source);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      document.execCommand("copy");
    }
    const label = copyButton.textContent;
    copyButton.textContent = "Copied";
    setTimeout(() => { copyButton.textContent = label; }, 1500);
    return;
  }
  const revealer = event.target.closest("[data-reveal]");
  if (revealer) {
    // Swap the masked value for the real one held in a <template> (administrators only).
    const field = document.getElementById(revealer.dataset.reveal);
    if (!field.dataset.masked) {
      field.dataset.masked = field.value;
      field.value = document.getElementById(revealer.dataset.revealSource).content.textContent.trim();
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
    document.getElementById(opener.dataset.openDialog).showModal();
    opener.closest("details")?.removeAttribute("open");
    return;
  }
  const closer = event.target.closest("[data-close-dialog]");
  if (closer) {
    closer.closest("dialog").close();
    return;
  }
  for (const menu of document.querySelectorAll("details.menu[open]")) {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  }
});

// A dialog rendered open by the server (the show-once token, a form with errors).
addEventListener("DOMContentLoaded", () => {
  for (const dialog of document.querySelectorAll("dialog[data-open-on-load]")) dialog.showModal();
});
