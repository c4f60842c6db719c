import { Global, Module } from '@nestjs/common';
import { ActionLinkSigner } from './actions/action-link';
import { NotifierEnvironment } from './environment';
import { TemplateRenderer } from './templates';

/** Templates and action links, used by the emails, the SMS and the accept/decline page alike. */
@Global()
@Module({
  providers: [
    { provide: TemplateRenderer, useFactory: () => new TemplateRenderer() },
    {
      provide: ActionLinkSigner,
      inject: [NotifierEnvironment],
      useFactory: (env: NotifierEnvironment) => new ActionLinkSigner(env.ACTION_LINK_SECRET, env.ACTION_LINK_TTL_HOURS * 3600 * 1000),
    },
  ],
  exports: [TemplateRenderer, ActionLinkSigner],
})
export class PresentationModule {}

export function actionUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/t/${token}`;
}
