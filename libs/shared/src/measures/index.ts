export * from './instruments';
