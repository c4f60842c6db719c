export * from './connectivity';
export * from './typeorm-options';
export * from './prepared-query';
