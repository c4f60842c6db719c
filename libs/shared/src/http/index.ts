export * from './problem-details';
