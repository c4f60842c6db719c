export * from './environment';
export * from './service-config.module';
