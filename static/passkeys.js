// Passkeys (WebAuthn): the browser's side of adding one and of answering a challenge. The
// server makes the options and verifies the answers (py_webauthn); this file only carries
// them between the server's JSON, where binary values are base64url text, and
// navigator.credentials, which takes and gives ArrayBuffers.
//
// Two kinds of form use it:
// - form[data-passkey-register="<options URL>"]: adding a passkey. On submit, the options
//   are fetched (a POST with the CSRF token), navigator.credentials.create() makes the
//   passkey, and the form is submitted with its answer in the passkey_response field.
// - form[data-passkey-challenge="<challenge URL>"]: proving one holds a passkey (signing in,
//   the second step, re-authentication). Likewise with navigator.credentials.get().

// Included by several partials on one page: the handlers are attached once.
if (!window.portalPasskeys) {
  window.portalPasskeys = true;

  const base64urlToBuffer = (text) => {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)).buffer;
  };

  const bufferToBase64url = (buffer) => {
    let binary = "";
    for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  };

  const csrfToken = (form) =>
    form.querySelector("input[name=csrfmiddlewaretoken]")?.value
    || document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/)?.[1] || "";

  async function fetchOptions(url, form) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken(form) },
      credentials: "same-origin",
      cache: "no-store",
      redirect: "error", // signed out meanwhile: a sign-in page is no options
    });
    if (!response.ok) throw new Error(`passkey options answered ${response.status}`);
    return response.json();
  }

  const descriptors = (list) =>
    (list || []).map((descriptor) => ({ ...descriptor, id: base64urlToBuffer(descriptor.id) }));

  function creationOptions(options) {
    return {
      ...options,
      challenge: base64urlToBuffer(options.challenge),
      user: { ...options.user, id: base64urlToBuffer(options.user.id) },
      excludeCredentials: descriptors(options.excludeCredentials),
    };
  }

  function requestOptions(options) {
    return {
      ...options,
      challenge: base64urlToBuffer(options.challenge),
      allowCredentials: descriptors(options.allowCredentials),
    };
  }

  // The JSON py_webauthn parses (WebAuthn's RegistrationResponseJSON and
  // AuthenticationResponseJSON), built by hand: not every browser has credential.toJSON().
  function credentialJSON(credential) {
    const { response } = credential;
    const json = {
      id: credential.id,
      rawId: bufferToBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: bufferToBase64url(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      json.response.attestationObject = bufferToBase64url(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = bufferToBase64url(response.authenticatorData);
      json.response.signature = bufferToBase64url(response.signature);
      if (response.userHandle) json.response.userHandle = bufferToBase64url(response.userHandle);
    }
    return JSON.stringify(json);
  }

  function showError(form, text) {
    const error = form.querySelector("[data-passkey-error]");
    if (!error) return;
    error.textContent = text;
    error.hidden = false;
  }

  async function ceremony(form) {
    if (!window.PublicKeyCredential) {
      showError(form, "This browser cannot use passkeys.");
      return;
    }
    const buttons = form.querySelectorAll("button");
    buttons.forEach((button) => { button.disabled = true; });
    try {
      let credential;
      if (form.dataset.passkeyRegister) {
        const options = await fetchOptions(form.dataset.passkeyRegister, form);
        credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
      } else {
        const options = await fetchOptions(form.dataset.passkeyChallenge, form);
        credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
      }
      form.querySelector("input[name=passkey_response]").value = credentialJSON(credential);
      form.submit(); // no submit event: this handler does not run again
    } catch (error) {
      // The person cancelled, the authenticator refused, or the options did not come.
      buttons.forEach((button) => { button.disabled = false; });
      const messages = {
        NotAllowedError: "No passkey was used. Try again when you are ready.",
        // Registration options exclude the person's passkeys: this device holds one.
        InvalidStateError: "This device already holds one of your passkeys.",
      };
      showError(form, messages[error.name] || "The passkey could not be used. Please try again.");
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-passkey-register], form[data-passkey-challenge]");
    if (!form) return;
    event.preventDefault();
    ceremony(form);
  });
}
