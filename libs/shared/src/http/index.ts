export * from './problem-details';
export * from './json-pointer';
export * from './raw-json-body';
export * from './storable-input';
export * from './route-table';
export * from './api-docs';
export * from './csv';
export * from './credentials';
