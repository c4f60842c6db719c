export * from './problem-details';
export * from './raw-json-body';
