"""The security headers every response carries: a Content-Security-Policy (django-csp) and a
Permissions-Policy (django-permissions-policy). Read by portal/settings.py."""

from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF

# Content-Security-Policy (django-csp): the pages load only our own files, so an injected
# <script>, inline event handler or style="" attribute is refused by the browser. Nothing
# of ours (nor the Django admin's pages, checked in Chromium by tests/e2e/test_headers.py)
# needs 'unsafe-inline' or data: images, so neither is allowed anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "object-src": [CSP_NONE],
        # Neither falls back to default-src: a <base> tag could re-point every relative
        # URL, and a form could post a typed password elsewhere.
        "base-uri": [CSP_SELF],
        "form-action": [CSP_SELF],
        # No page may be framed (clickjacking); X_FRAME_OPTIONS says the same to old browsers.
        "frame-ancestors": [CSP_NONE],
    },
}
# Permissions-Policy (django-permissions-policy): the portal uses none of the browser's
# powerful features except writing to the clipboard (the Copy buttons) and passkeys
# (WebAuthn's navigator.credentials.get, static/passkeys.js), on its own pages.
# clipboard-read stays at the browser's default (own origin, and only once the person
# allows it) because the Chromium suite checks each Copy by reading the clipboard back.
# Only features Chromium knows are named: it warns about any other (e.g. "bluetooth").
PERMISSIONS_POLICY = {
    "clipboard-write": ["self"],
    "publickey-credentials-get": ["self"],
    **{
        feature: []
        for feature in (
            "accelerometer",
            "autoplay",
            "browsing-topics",
            "camera",
            "display-capture",
            "encrypted-media",
            "fullscreen",
            "geolocation",
            "gyroscope",
            "hid",
            "idle-detection",
            "local-fonts",
            "magnetometer",
            "microphone",
            "midi",
            "payment",
            "picture-in-picture",
            "screen-wake-lock",
            "serial",
            "usb",
            "window-management",
            "xr-spatial-tracking",
        )
    },
}
