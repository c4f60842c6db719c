export * from './metrics.module';
export * from './service-metrics';
