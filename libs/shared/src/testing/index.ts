export * from './smtp-sink';
export * from './test-infrastructure';
export * from './tcp-proxy';
export * from './redis-server';
export * from './redis-cluster';
