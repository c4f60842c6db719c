export * from './correlation';
export * from './correlation.middleware';
export * from './logger.module';
export * from './redaction';
export * from './error-serializer';
export * from './url-redaction';
