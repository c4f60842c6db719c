export * from './date-time';
export * from './postcode';
export * from './satisfies';
