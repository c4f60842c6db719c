export * from './sealing';
export * from './standard-webhooks';
