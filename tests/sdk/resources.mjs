// The seed's scripts and the portal's resources through the official @flatfile/api SDK:
// spaces across environments, workbooks (with a PAT, then with a secret key, as the seed's
// snippets do), a publishable key creating a space and using its access token, users,
// roles, and the audit trail read back. Prints what it saw as JSON for test_sdk.py.
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

// Spaces across environments.
const dev = (await api.spaces.create({ environmentId: env.SDK_DEV_ID, name: "Onboarding" })).data;
await api.spaces.create({ environmentId: env.SDK_PROD_ID, name: "Go-live" });
seen.allSpaces = (await api.spaces.list()).data.map((s) => s.name).sort();
seen.devSpaces = (await api.spaces.list({ environmentId: env.SDK_DEV_ID })).data.map((s) => s.name);
seen.spaceEnvironment = dev.environmentId === env.SDK_DEV_ID;
const renamed = (await api.spaces.update(dev.id, { name: "Onboarding 2" })).data;
seen.renamedSpace = renamed.name;

// Workbooks, then the seed's `api.workbooks.list()` with a PAT and with a secret key.
const workbook = (await api.workbooks.create({ spaceId: dev.id, name: "Contacts" })).data;
seen.workbook = { name: workbook.name, spaceId: workbook.spaceId === dev.id };
seen.workbooksWithPat = (await api.workbooks.list()).data.map((w) => w.name);
const withSecretKey = new FlatfileClient({ token: env.SDK_SECRET_KEY, apiUrl });
seen.workbooksWithSecretKey = (await withSecretKey.workbooks.list()).data.map((w) => w.name);
seen.workbookById = (await api.workbooks.get(workbook.id)).data.name;

// A publishable key creates a space and receives an access token limited to it.
const browser = new FlatfileClient({ token: env.SDK_PUBLISHABLE_KEY, apiUrl });
const embedded = (await browser.spaces.create({ environmentId: env.SDK_DEV_ID, name: "Embedded" }))
  .data;
seen.embeddedHasToken = typeof embedded.accessToken === "string"
  && embedded.accessToken.split(".").length === 3;
seen.publishableKeyListing = await refused(() => browser.spaces.list());
const spaceToken = new FlatfileClient({ token: embedded.accessToken, apiUrl });
seen.spaceTokenReads = (await spaceToken.spaces.get(embedded.id)).data.name;
await spaceToken.workbooks.create({ spaceId: embedded.id, name: "Upload" });
seen.spaceTokenWorkbooks = (await spaceToken.workbooks.list({ spaceId: embedded.id })).data.map(
  (w) => w.name,
);
seen.spaceTokenOtherSpace = await refused(() => spaceToken.spaces.get(dev.id));
seen.spaceTokenEnvironments = await refused(() => spaceToken.environments.list());

// The account's administrators and the roles that exist.
seen.users = (await api.users.list()).data.map((u) => u.email);
const me = (await api.users.list()).data[0];
seen.userById = (await api.users.get(me.id)).data.email;
const invited = (
  await api.users.createAndInvite({
    email: "invited@example.com",
    name: "Invited Person",
    actorRoles: [{ roleId: "us_rol_administrator", resourceId: env.SDK_ACCOUNT_ID }],
  })
).data;
seen.invitedEmail = invited.email;
seen.resent = (await api.users.resendInvite(invited.id)).data?.success ?? null;
seen.lastAdministratorRemoval = await refused(() => api.users.delete(me.id));
seen.roles = (await api.roles.list()).data.map((r) => r.name).sort();

// The audit trail: everything above, read back across environments.
const events = (await api.events.list({ environmentId: env.SDK_DEV_ID })).data;
seen.eventTopics = [...new Set(events.map((e) => e.topic))].sort();
seen.eventById = (await api.events.get(events[0].id)).data.id === events[0].id;

// Cleaning up: a workbook, then a space.
await api.workbooks.delete(workbook.id);
seen.workbookGone = await refused(() => api.workbooks.get(workbook.id));
await api.spaces.delete(dev.id);
seen.spaceGone = await refused(() => api.spaces.get(dev.id));

console.log(JSON.stringify(seen));
