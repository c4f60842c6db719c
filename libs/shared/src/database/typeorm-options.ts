import { DataSourceOptions, MixedList } from 'typeorm';

export interface ServiceDataSourceOptions {
  url: string;
  schema: string;
  entities: MixedList<Function | string>;
  migrations: MixedList<Function | string>;
}

/** Each service owns one schema; its migrations table lives there too. Schema changes go only through migrations. */
export function serviceDataSourceOptions(options: ServiceDataSourceOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    synchronize: false,
    extra: { max: 10, connectionTimeoutMillis: 5000 },
  };
}
