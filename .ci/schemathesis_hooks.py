"""schemathesis hooks for .ci/schemathesis (loaded through SCHEMATHESIS_HOOKS): the run never
revokes the credential it runs with.

In every phase, not only the stateful one, schemathesis fills path parameters from ids the
API answered with earlier in the run (its resource pool), and listPersonalAccessTokens
answers with the run's own token. Once deletePersonalAccessToken drew that id, every later
call was a 401 that proved nothing: operations tested after it were reported as returning
only 401/403. The same for revokeCredential, which an administrator may call on any token of
the account, the run's own included (and listCredentials answers with its id). Every other
token, those the run makes with createPersonalAccessToken, is still deleted and revoked for
real, and unknown ids still answer 404."""

import os

import schemathesis

RUN_TOKEN_ID = os.environ["PORTAL_TOKEN_ID"]


@schemathesis.hook("filter_case").apply_to(operation_id="deletePersonalAccessToken")
def spare_the_runs_own_token(ctx, case) -> bool:
    return (case.path_parameters or {}).get("token_id") != RUN_TOKEN_ID


@schemathesis.hook("filter_case").apply_to(operation_id="revokeCredential")
def spare_the_runs_own_token_from_revocation(ctx, case) -> bool:
    return (case.path_parameters or {}).get("credential_id") != RUN_TOKEN_ID
