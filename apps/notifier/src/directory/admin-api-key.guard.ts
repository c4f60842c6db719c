import { CredentialGuard, sameSecret } from '@app/shared';
import { NotifierEnvironment } from '../environment';

export const ADMIN_API_KEY_HEADER = 'x-api-key';
/** The OpenAPI security scheme this guard enforces (declared in /docs). */
export const ADMIN_API_KEY_SCHEME = 'adminApiKey';

/** Admin endpoints need the NOTIFIER_ADMIN_API_KEY in the x-api-key header. */
export const AdminApiKeyGuard = CredentialGuard({
  credential: { header: ADMIN_API_KEY_HEADER },
  inject: NotifierEnvironment,
  verify: (env: NotifierEnvironment, key) => sameSecret(key, env.NOTIFIER_ADMIN_API_KEY),
  refusal: `A valid admin API key is required in the ${ADMIN_API_KEY_HEADER} header.`,
});
