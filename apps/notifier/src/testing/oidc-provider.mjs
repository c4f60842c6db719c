// A real OpenID Connect provider (oidc-provider, ESM-only) for tests, run as a child process because Jest
// cannot load ES modules. Its development login and consent screens are used as they are: any login name
// with any password signs in, and the login name, when it is an email address, is the account's verified
// `email` claim (so a test chooses who signs in by what it types).
//
// Configuration from the environment: OIDC_TEST_PORT, OIDC_TEST_CLIENT_ID, OIDC_TEST_CLIENT_SECRET,
// OIDC_TEST_REDIRECT_URI. Prints "ready <issuer>" on stdout once listening on 127.0.0.1.
import { Provider } from 'oidc-provider';

const port = Number(process.env.OIDC_TEST_PORT);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.OIDC_TEST_CLIENT_ID,
      client_secret: process.env.OIDC_TEST_CLIENT_SECRET,
      redirect_uris: [process.env.OIDC_TEST_REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  // PKCE for every client, as NHS CIS2 asks of confidential clients too.
  pkce: { required: () => true },
  cookies: { keys: ['test-only-cookie-key-for-the-oidc-provider'] },
  async findAccount(_ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return sub.includes('@') ? { sub, email: sub, email_verified: true } : { sub };
      },
    };
  },
});
// Development interactions warn on every start; the test output should show results only.
provider.on('server_error', (_ctx, error) => process.stderr.write(`oidc-provider server_error: ${error.message}\n`));

const server = provider.listen(port, '127.0.0.1', () => process.stdout.write(`ready ${issuer}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
