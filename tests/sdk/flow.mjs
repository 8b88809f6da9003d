// Drives the official @flatfile/api SDK against a live portal and prints what it saw as
// JSON, for tests/sdk/test_sdk.py to check. Configuration comes the SDK's own way:
// FLATFILE_API_URL (the SDK appends /v1) and FLATFILE_API_KEY, plus SDK_* for the scenario.
import { FlatfileClient } from "@flatfile/api";

import "./node20-fetch.mjs";

const env = process.env;
const api = new FlatfileClient();
const seen = {};

async function refused(call) {
  try {
    await call();
    return null;
  } catch (error) {
    return error.statusCode ?? String(error);
  }
}

seen.account = (await api.accounts.getCurrent()).data;
seen.environments = (await api.environments.list()).data.map((e) => e.name).sort();
seen.tokensBefore = (await api.auth.listPersonalAccessTokens()).data.map((t) => t.name);

const created = (await api.auth.createPersonalAccessToken({ name: "made by the SDK" })).data;
seen.createdToken = {
  prefix: created.token.split("_")[0],
  name: created.personalAccessToken.name,
  createdAtIsDate: created.personalAccessToken.createdAt instanceof Date,
};

const keys = (await api.auth.getApiKeys({ environmentId: env.SDK_ENVIRONMENT_ID })).data;
seen.keyTypes = keys.map((k) => k.type).sort();
seen.secretRawKeyPrefix = keys.find((k) => k.type === "SECRET").rawKey.slice(0, 3);
seen.publishable = (await api.auth.getPublishableKey({ environmentId: env.SDK_ENVIRONMENT_ID })).data.type;

await api.secrets.upsert({ name: "EXTERNAL_API_KEY", value: "v1", environmentId: env.SDK_ENVIRONMENT_ID });
const upserted = (
  await api.secrets.upsert({ name: "EXTERNAL_API_KEY", value: "v2", environmentId: env.SDK_ENVIRONMENT_ID })
).data;
seen.upserted = upserted.map((s) => [s.name, s.value]);
const secrets = (await api.secrets.list({ environmentId: env.SDK_ENVIRONMENT_ID })).data;
seen.secrets = secrets.map((s) => [s.name, s.value]);
await api.secrets.delete(secrets[0].id);
seen.secretsAfterDelete = (await api.secrets.list({ environmentId: env.SDK_ENVIRONMENT_ID })).data.length;

const login = await api.auth.createAccessToken({
  type: "userCredentials",
  email: env.SDK_EMAIL,
  password: env.SDK_PASSWORD,
});
seen.accessToken = { parts: login.accessToken.split(".").length, expiresIn: login.expiresIn };
const asUser = new FlatfileClient({ token: login.accessToken, apiUrl: env.FLATFILE_API_URL });
seen.accountViaAccessToken = (await asUser.accounts.getCurrent()).data.id;

seen.wrongPassword = await refused(() =>
  api.auth.createAccessToken({ type: "userCredentials", email: env.SDK_EMAIL, password: "wrong" }),
);

const createdId = created.personalAccessToken.id;
await api.auth.deletePersonalAccessToken(createdId);
const revoked = new FlatfileClient({ token: created.token, apiUrl: env.FLATFILE_API_URL });
seen.deletedTokenRefused = await refused(() => revoked.auth.listPersonalAccessTokens());

console.log(JSON.stringify(seen));
