import { EnvironmentError, loadEnvironment } from '@app/shared';
import { NotifierEnvironment } from './environment';

describe('NotifierEnvironment', () => {
  it('works on a developer machine with nothing set: port 3001, mail to files, SMS off', () => {
    const env = loadEnvironment(NotifierEnvironment, {});
    expect(env).toMatchObject({ PORT: 3001, MAIL_DIR: 'var/mail', PUBLIC_BASE_URL: 'http://localhost:3001', NOTIFY_RATE_LIMIT_PER_MINUTE: 3000, REMINDER_WORKING_DAYS: 3 });
    expect(env.SMTP_URL).toBeUndefined();
    expect(env.NOTIFY_API_KEY).toBeUndefined();
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
