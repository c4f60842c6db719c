export * from './bootstrap';
export * from './config';
export * from './database';
export * from './events';
export * from './health';
export * from './http';
export * from './logging';
export * from './transport';
