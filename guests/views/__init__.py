"""The guests app's pages: `guest` holds the guest's own (a minimal layout of their own,
signed in by a guest session, never a Django login); `administrator` holds the pages where
administrators manage guests (the space page's guest sidebar, the environment's Guests
page)."""
