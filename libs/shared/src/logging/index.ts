export * from './correlation';
export * from './correlation.middleware';
export * from './logger.module';
export * from './redaction';
