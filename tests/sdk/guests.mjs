// The seed's guest snippet and the guest lifecycle through the official @flatfile/api SDK:
// create a guest in two spaces, list by space, get a guest token and use it, invite, remove
// one space with `spaceId`, delete entirely. Prints what it saw as JSON for test_sdk.py.
import { FlatfileClient } from "@flatfile/api";

import "./node20-fetch.mjs";

const env = process.env;
const apiUrl = env.FLATFILE_API_URL;
const api = new FlatfileClient(); // FLATFILE_API_KEY: a personal access token
const seen = {};

async function refused(call) {
  try {
    await call();
    return null;
  } catch (error) {
    return error.statusCode ?? String(error);
  }
}

const spaceIds = (guest) => guest.spaces.map((s) => s.id);

// The seed's own snippet, verbatim: one object. SDK 1.23.1 types `create` as a list and
// refuses an object before sending anything; older SDKs sent it, so the portal takes both.
const seedConfig = {
  environmentId: env.SDK_ENVIRONMENT_ID,
  email: "guest@example.com",
  name: "Mr. Guest",
  spaces: [
    {
      id: env.SDK_SPACE_ID,
      workbooks: [
        {
          id: env.SDK_WORKBOOK_ID,
        },
      ],
    },
  ],
};
try {
  const createGuest = await api.guests.create(seedConfig);
  seen.seedSnippet = { sent: true, spaces: createGuest.data[0].spaces };
} catch (error) {
  seen.seedSnippet = { sent: false, error: String(error.message ?? error) };
}
seen.guestsBeforeRawSnippet = (await api.guests.list({ spaceId: env.SDK_SPACE_ID })).data.length;
// The same single object as the older SDKs and plain scripts send it.
const raw = await fetch(`${apiUrl}/v1/guests`, {
  method: "POST",
  headers: { Authorization: `Bearer ${env.FLATFILE_API_KEY}`, "Content-Type": "application/json" },
  body: JSON.stringify(seedConfig),
});
const rawGuest = (await raw.json()).data[0];
seen.seedSnippetRaw = { status: raw.status, email: rawGuest.email, spaces: rawGuest.spaces };
// And as SDK 1.23.1 sends it: a list.
const seedGuest = (await api.guests.create([seedConfig])).data[0];
seen.seedSnippetAsList = {
  sameGuest: seedGuest.id === rawGuest.id,
  spaces: seedGuest.spaces,
  createdAtIsDate: seedGuest.createdAt instanceof Date,
};

// The lifecycle: a multi-space guest.
const created = (
  await api.guests.create([
    {
      environmentId: env.SDK_ENVIRONMENT_ID,
      email: "lifecycle@example.com",
      name: "Lifecycle",
      spaces: [{ id: env.SDK_SPACE_ID }, { id: env.SDK_OTHER_SPACE_ID }],
    },
  ])
).data[0];
seen.created = { idPrefix: created.id.slice(0, 5), spaces: spaceIds(created) };
seen.listedBySpace = (await api.guests.list({ spaceId: env.SDK_OTHER_SPACE_ID })).data.map(
  (g) => g.email,
);
seen.listedByEmail = (
  await api.guests.list({ spaceId: env.SDK_SPACE_ID, email: "lifecycle@example.com" })
).data.map((g) => g.id === created.id);
seen.renamed = (await api.guests.update(created.id, { name: "Lifecycle 2" })).data.name;
seen.fetched = (await api.guests.get(created.id)).data.name;

// A guest token, used as the guest would.
const issued = (await api.guests.getGuestToken(created.id)).data;
seen.token = { parts: issued.token.split(".").length, valid: issued.valid };
const asGuest = new FlatfileClient({ token: issued.token, apiUrl });
seen.guestSpace = (await asGuest.spaces.get(env.SDK_SPACE_ID)).data.id === env.SDK_SPACE_ID;
seen.guestSpaces = (await asGuest.spaces.list()).data.map((s) => s.id).sort();
seen.guestWorkbooks = (await asGuest.workbooks.list({ spaceId: env.SDK_SPACE_ID })).data.length;
seen.guestHiddenSpace = await refused(() => asGuest.spaces.get(env.SDK_HIDDEN_SPACE_ID));
seen.guestEnvironments = await refused(() => asGuest.environments.list());
seen.guestSecrets = await refused(() =>
  asGuest.secrets.list({ environmentId: env.SDK_ENVIRONMENT_ID }),
);
seen.guestKeys = await refused(() =>
  asGuest.auth.getApiKeys({ environmentId: env.SDK_ENVIRONMENT_ID }),
);
seen.guestUsers = await refused(() => asGuest.users.list());
seen.guestEvents = await refused(() => asGuest.events.list());

seen.invited = (
  await api.guests.invite([
    {
      guestId: created.id,
      spaceId: env.SDK_SPACE_ID,
      fromName: "Your Name",
      message: "Hello, I would like to invite you to my space.",
    },
  ])
).data.success;

// Remove one space with `spaceId`: that connection only, at once.
await api.guests.delete(created.id, { spaceId: env.SDK_SPACE_ID });
seen.afterRemoval = spaceIds((await api.guests.get(created.id)).data);
seen.guestRemovedSpace = await refused(() => asGuest.spaces.get(env.SDK_SPACE_ID));
seen.guestSpacesAfterRemoval = (await asGuest.spaces.list()).data.map((s) => s.id);

// Delete entirely: every connection gone, the token refused.
seen.deleted = (await api.guests.delete(created.id)).data.success;
seen.getDeleted = await refused(() => api.guests.get(created.id));
seen.listedAfterDelete = [
  ...(await api.guests.list({ spaceId: env.SDK_SPACE_ID })).data,
  ...(await api.guests.list({ spaceId: env.SDK_OTHER_SPACE_ID })).data,
].map((g) => g.email);
seen.tokenAfterDelete = await refused(() => asGuest.spaces.list());

// Re-created with the same email: a new guest with no spaces.
const again = (
  await api.guests.create([
    {
      environmentId: env.SDK_ENVIRONMENT_ID,
      email: "lifecycle@example.com",
      name: "Lifecycle",
      spaces: [],
    },
  ])
).data[0];
seen.recreated = { newId: again.id !== created.id, spaces: again.spaces };

console.log(JSON.stringify(seen));
