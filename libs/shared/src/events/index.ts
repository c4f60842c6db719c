export * from './event-types';
export * from './envelope';
export * from './topology';
export * from './referral-person';
