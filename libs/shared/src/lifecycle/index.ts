export * from './referral-lifecycle';
export * from './lifecycle-events';
