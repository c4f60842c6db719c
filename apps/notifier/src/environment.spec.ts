import { EnvironmentError, loadEnvironment } from '@app/shared';
import { NotifierEnvironment } from './environment';

describe('NotifierEnvironment', () => {
  it('works on a developer machine with nothing set: port 3001, mail to files, SMS off', () => {
    const env = loadEnvironment(NotifierEnvironment, {});
    expect(env).toMatchObject({ PORT: 3001, MAIL_DIR: 'var/mail', PUBLIC_BASE_URL: 'http://localhost:3001', NOTIFY_RATE_LIMIT_PER_MINUTE: 3000, REMINDER_WORKING_DAYS: 3 });
    expect(env.SMTP_URL).toBeUndefined();
    expect(env.NOTIFY_API_KEY).toBeUndefined();
    expect(env).toMatchObject({ WORKSPACE_SESSION_IDLE_SECONDS: 1800, WORKSPACE_SESSION_MAX_SECONDS: 28800, SIGN_IN_LINK_TTL_SECONDS: 900 });
    expect(env.WORKSPACE_SESSION_SECRET.length).toBeGreaterThanOrEqual(32);
  });

  it('keeps single sign-on off unless an issuer is set, and then needs the client id and secret', () => {
    expect(loadEnvironment(NotifierEnvironment, {}).OIDC_ISSUER_URL).toBeUndefined();
    expect(() => loadEnvironment(NotifierEnvironment, { OIDC_ISSUER_URL: 'https://am.nhsidentity.spineservices.nhs.uk/openam/oauth2/realms/root/realms/NHSIdentity/realms/Healthcare' })).toThrow(
      /OIDC_CLIENT_ID is required when OIDC_ISSUER_URL is set.*OIDC_CLIENT_SECRET is required when OIDC_ISSUER_URL is set/s,
    );
    expect(() => loadEnvironment(NotifierEnvironment, { OIDC_ISSUER_URL: 'cis2', OIDC_SCOPES: 'email' })).toThrow(/OIDC_ISSUER_URL must be an http\(s\) URL.*OIDC_SCOPES must include openid/s);
    const env = loadEnvironment(NotifierEnvironment, { OIDC_ISSUER_URL: 'https://idp.example.nhs.uk', OIDC_CLIENT_ID: 'client', OIDC_CLIENT_SECRET: 'secret' });
    expect(env).toMatchObject({ OIDC_SCOPES: 'openid email', OIDC_PROVIDER_NAME: 'NHS CIS2' });
  });

  it('refuses a short session secret and sign-in settings that are not whole numbers, naming them', () => {
    expect(() => loadEnvironment(NotifierEnvironment, { WORKSPACE_SESSION_SECRET: 'too-short', SIGN_IN_LINK_TTL_SECONDS: 'soon', WORKSPACE_SESSION_IDLE_SECONDS: '0' })).toThrow(
      /WORKSPACE_SESSION_SECRET must be at least 32 characters.*SIGN_IN_LINK_TTL_SECONDS must be a whole number of seconds/s,
    );
    expect(() => loadEnvironment(NotifierEnvironment, { WORKSPACE_SESSION_IDLE_SECONDS: '0' })).toThrow(/WORKSPACE_SESSION_IDLE_SECONDS must be at least 1/);
    // The development secret is refused outside development and tests.
    expect(() => loadEnvironment(NotifierEnvironment, { NODE_ENV: 'production' })).toThrow(/WORKSPACE_SESSION_SECRET/);
  });

  it('names every bad variable', () => {
    let caught: unknown;
    try {
      loadEnvironment(NotifierEnvironment, { SMTP_URL: 'mail.example.org', NOTIFY_SMS_TEMPLATE_ID: 'welcome', REMINDER_DELAY_MS: 'soon' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EnvironmentError);
    for (const name of ['SMTP_URL', 'NOTIFY_SMS_TEMPLATE_ID', 'REMINDER_DELAY_MS']) expect((caught as Error).message).toContain(name);
  });
});
