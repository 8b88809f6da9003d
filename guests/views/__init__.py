"""The guests app's pages: `guest_links` holds the pages a guest's link opens (a magic
link, a shared link and its confirmation), `guest` the signed-in guest's own (both in a
minimal layout of their own, signed in by a guest session, never a Django login);
`administrator` holds the pages where administrators manage guests (the space page's guest
sidebar, the environment's Guests page)."""
