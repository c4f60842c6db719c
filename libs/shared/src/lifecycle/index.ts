export * from './referral-lifecycle';
export * from './lifecycle-events';
export * from './reasons';
