export * from './practice-geography';
export * from './ods-codes';
