import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { producerConnection } from '@app/shared';
import { EmailSender } from '../delivery/email-sender';
import { DirectoryModule } from '../directory/directory.module';
import { NotifierEnvironment } from '../environment';
import { AuthPageFilter } from './auth-page.filter';
import { AuthController } from './auth.controller';
import { CsrfGuard, SignedInGuard } from './auth.guards';
import { AuthStore } from './auth.store';
import { SignInRateLimiter } from './rate-limiter';
import { SignInRequestsSweep, SignInService } from './sign-in.service';
import { SingleSignOn } from './single-sign-on';

/**
 * Who signs in to the workspace, and how: emailed single-use links or single sign-on (OpenID Connect),
 * server-side sessions, CSRF on every form. Other modules use `SignedInGuard`, `@CurrentUser()`, `@PageContext()` and `WorkspaceUser`
 * (auth.guards.ts, workspace-user.ts); `registerWorkspaceSessions` (workspace-http.ts) wires the Fastify side.
 */
@Module({
  imports: [DirectoryModule],
  controllers: [AuthController],
  providers: [
    AuthStore,
    SignInService,
    SignInRequestsSweep,
    SignedInGuard,
    {
      provide: EmailSender,
      inject: [NotifierEnvironment],
      useFactory: (env: NotifierEnvironment) => new EmailSender({ smtpUrl: env.SMTP_URL, mailDir: env.MAIL_DIR, from: env.MAIL_FROM }),
    },
    {
      provide: SignInRateLimiter,
      inject: [NotifierEnvironment],
      useFactory: (env: NotifierEnvironment) => new SignInRateLimiter(producerConnection(env.REDIS_URL), env.REDIS_PREFIX, env.SIGN_IN_RATE_WINDOW_SECONDS),
    },
    { provide: SingleSignOn, inject: [NotifierEnvironment], useFactory: (env: NotifierEnvironment) => new SingleSignOn(env) },
    { provide: APP_GUARD, useClass: CsrfGuard },
    AuthPageFilter,
  ],
  exports: [AuthStore, SignInService, SignedInGuard, AuthPageFilter],
})
export class AuthModule {}
