// Re-authentication for an action a script sends (the secret key's Reveal and Copy). The
// server answers such an action from a session that has not proved who it is lately with
// its "Confirm it's you" page (accounts.reauthentication, 403). Here that page's panel opens
// in a dialog; its forms are sent with fetch to the same address, and the first answer that
// is not the page again is the action's own answer: static/portal.js reads the revealed
// value from it as if nothing had been asked.

// The panel of a "Confirm it's you" page, or null for any other answer.
async function reauthenticationPanel(response) {
  if (!(response.headers.get("Content-Type") || "").startsWith("text/html")) return null;
  const page = new DOMParser().parseFromString(await response.clone().text(), "text/html");
  return page.querySelector("[data-reauthentication]");
}

// Scripts of a parsed page never run once moved into this one (the passkey partial brings
// static/passkeys.js): each is loaded anew, once.
function loadScriptsOf(panel) {
  for (const script of panel.querySelectorAll("script[src]")) {
    const src = script.getAttribute("src");
    script.remove();
    if (document.querySelector(`script[src="${CSS.escape(src)}"]`)) continue;
    const loaded = document.createElement("script");
    loaded.src = src;
    document.head.append(loaded);
  }
}

function reauthenticationDialog() {
  let dialog = document.getElementById("reauthentication-dialog");
  if (!dialog) {
    dialog = document.createElement("dialog");
    dialog.id = "reauthentication-dialog";
    dialog.setAttribute("aria-labelledby", "reauthentication-title");
    document.body.append(dialog);
  }
  return dialog;
}

// `response`, or once the person has confirmed who they are in the dialog, the answer to
// the action sent again; null if they closed the dialog instead.
window.portalReauthenticate = async (response) => {
  const first = await reauthenticationPanel(response);
  if (!first) return response;
  const dialog = reauthenticationDialog();

  return new Promise((resolve) => {
    let settled = false;

    const finish = (answer) => {
      settled = true;
      dialog.removeEventListener("submit", onSubmit);
      dialog.removeEventListener("click", onClick);
      dialog.close();
      resolve(answer);
    };

    const send = async (form) => {
      form.querySelectorAll("button").forEach((button) => { button.disabled = true; });
      let answer;
      try {
        answer = await fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          credentials: "same-origin",
          cache: "no-store",
          redirect: "error",
        });
      } catch {
        finish(null);
        return;
      }
      const again = await reauthenticationPanel(answer);
      if (again) show(again);
      else finish(answer);
    };

    const show = (panel) => {
      loadScriptsOf(panel);
      panel.querySelector("h1")?.setAttribute("id", "reauthentication-title");
      dialog.replaceChildren(...[...panel.childNodes].map((node) => document.importNode(node, true)));
      // static/passkeys.js ends its ceremony with form.submit(), which would leave the page:
      // the passkey's answer is sent with fetch like the other forms'.
      for (const form of dialog.querySelectorAll("form[data-passkey-challenge]")) {
        form.submit = () => send(form);
      }
      if (!dialog.open) dialog.showModal();
      // After a refusal, the field it speaks of; else the password.
      const refused = dialog.querySelector(".errorlist:not([hidden])")?.closest("form");
      (refused || dialog).querySelector("input:not([type=hidden]):not([hidden])")?.focus();
    };

    function onSubmit(event) {
      const form = event.target;
      // The passkey's form runs its ceremony first (static/passkeys.js), then form.submit();
      // sent before that script has loaded, it would only post an empty answer.
      if (form.matches("[data-passkey-challenge]")) {
        if (!window.portalPasskeys) event.preventDefault();
        return;
      }
      event.preventDefault();
      send(form);
    }

    function onClick(event) {
      if (!event.target.closest("[data-reauthentication-cancel]")) return;
      event.preventDefault();
      dialog.close();
    }

    dialog.addEventListener("submit", onSubmit);
    dialog.addEventListener("click", onClick);
    dialog.addEventListener("close", () => { if (!settled) finish(null); }, { once: true });
    show(first);
  });
};
