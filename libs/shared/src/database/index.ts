export * from './connectivity';
export * from './typeorm-options';
