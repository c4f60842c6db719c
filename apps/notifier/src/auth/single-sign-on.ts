import { Logger } from '@nestjs/common';
import { BaseClient, Issuer, errors, generators } from 'openid-client';
import type { NotifierEnvironment } from '../environment';

/** What the session keeps between the redirect to the provider and the callback. */
export interface PendingSignOn {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export type SignOnResult = { ok: true; email: string } | { ok: false; reason: 'mismatch' | 'provider-error' | 'no-email' };

/**
 * Single sign-on by OpenID Connect (NHS CIS2 Authentication is an OIDC provider): the authorization code
 * flow with PKCE, state and nonce, through openid-client 5. Configured by OIDC_ISSUER_URL,
 * OIDC_CLIENT_ID, OIDC_CLIENT_SECRET (OIDC_SCOPES); off when the issuer is unset. The provider is
 * discovered on first use, so the notifier starts (and email sign-in works) while it is unreachable.
 */
export class SingleSignOn {
  private readonly logger = new Logger(SingleSignOn.name);
  private client: Promise<BaseClient> | undefined;

  constructor(private readonly env: NotifierEnvironment) {}

  get enabled(): boolean {
    return Boolean(this.env.OIDC_ISSUER_URL);
  }

  get providerName(): string {
    return this.env.OIDC_PROVIDER_NAME;
  }

  get redirectUri(): string {
    return `${this.env.PUBLIC_BASE_URL.replace(/\/+$/, '')}/sign-in/oidc/callback`;
  }

  /** Where to send the browser, and what the callback must match (kept in the session, never in the URL alone). */
  async start(): Promise<{ url: string; pending: PendingSignOn }> {
    const client = await this.getClient();
    const pending = { state: generators.state(), nonce: generators.nonce(), codeVerifier: generators.codeVerifier() };
    const url = client.authorizationUrl({
      scope: this.env.OIDC_SCOPES,
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: generators.codeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url, pending };
  }

  /**
   * Exchanges the code (checking state, nonce, PKCE, the ID token's signature, issuer and audience) and
   * returns the verified email address: from the ID token, else from the userinfo endpoint.
   */
  async finish(callbackUrl: string, pending: PendingSignOn | undefined): Promise<SignOnResult> {
    if (!pending) return { ok: false, reason: 'mismatch' };
    const client = await this.getClient();
    try {
      const tokens = await client.callback(this.redirectUri, client.callbackParams(callbackUrl), { state: pending.state, nonce: pending.nonce, code_verifier: pending.codeVerifier });
      let claims: { email?: unknown; email_verified?: unknown } = tokens.claims();
      if (typeof claims.email !== 'string' && tokens.access_token) claims = await client.userinfo(tokens);
      if (typeof claims.email !== 'string' || claims.email_verified === false) return { ok: false, reason: 'no-email' };
      return { ok: true, email: claims.email };
    } catch (error) {
      // A forged or replayed callback (wrong state, reused code) is refused; the provider's own error too.
      if (error instanceof errors.RPError) return { ok: false, reason: 'mismatch' };
      if (error instanceof errors.OPError) {
        this.logger.warn({ error: error.error }, 'The OIDC provider refused the sign-in');
        return { ok: false, reason: 'provider-error' };
      }
      throw error;
    }
  }

  private getClient(): Promise<BaseClient> {
    this.client ??= Issuer.discover(this.env.OIDC_ISSUER_URL as string).then(
      (issuer) =>
        new issuer.Client({
          client_id: this.env.OIDC_CLIENT_ID as string,
          client_secret: this.env.OIDC_CLIENT_SECRET,
          redirect_uris: [this.redirectUri],
          response_types: ['code'],
        }),
      (error: unknown) => {
        // Try discovery again on the next sign-in rather than remembering the failure.
        this.client = undefined;
        throw error;
      },
    );
    return this.client;
  }
}
