export * from './date-time';
export * from './postcode';
export * from './satisfies';
export * from './contact';
export * from './json-object';
