export * from './practice-geography';
