import { exitOnStartupFailure, loadEnvironment } from '@app/shared';
import { resolve } from 'node:path';
import { NOTIFIER_SERVICE, NotifierEnvironment } from './environment';
import { createNotifierApp } from './notifier-app';

async function bootstrap(): Promise<void> {
  const env = loadEnvironment(NotifierEnvironment);
  const app = await createNotifierApp(env);
  app.enableShutdownHooks();
  await app.listen(env.PORT, '0.0.0.0');
  process.stdout.write(
    `${NOTIFIER_SERVICE} listening on port ${env.PORT} (action links point to ${env.PUBLIC_BASE_URL}); mail ${env.SMTP_URL ? `goes to ${env.SMTP_URL.replace(/\/\/[^@]*@/, '//')}` : `lands in ${resolve(env.MAIL_DIR)} as <referral id>-<notification id>.eml`}\n`,
  );
}

bootstrap().catch(exitOnStartupFailure(NOTIFIER_SERVICE));
