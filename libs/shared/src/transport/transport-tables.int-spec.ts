import { randomUUID } from 'node:crypto';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { openServiceDataSource, prepareDatabase } from '../database';
import { TestDatabase, createTestDatabase } from '../testing';
import { createTransportTables, transportTablesMigration } from './transport-tables';

const SCHEMA = 'svc';

/** A service's first migration as it was before the transport had its own: it created the transport's tables. */
class FirstBefore1764000000000 implements MigrationInterface {
  name = 'First1764000000000';
  async up(queryRunner: QueryRunner): Promise<void> {
    await createTransportTables(queryRunner, SCHEMA);
    await queryRunner.query(`CREATE TABLE "${SCHEMA}"."thing" ("id" uuid PRIMARY KEY)`);
  }
  async down(): Promise<void> {}
}

/** The same migration (same name) as it reads now: its own table only. */
class First1764000000000 implements MigrationInterface {
  name = 'First1764000000000';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "${SCHEMA}"."thing" ("id" uuid PRIMARY KEY)`);
  }
  async down(): Promise<void> {}
}

const open = (url: string, migrations: Array<new () => MigrationInterface>) => openServiceDataSource({ url, schema: SCHEMA, entities: [], migrations });

const migrationNames = async (dataSource: DataSource) => (await dataSource.query(`SELECT "name" FROM "${SCHEMA}"."migrations" ORDER BY "id"`)).map((row: { name: string }) => row.name);

describe('the transport tables migration', () => {
  let database: TestDatabase;
  let dataSource: DataSource | undefined;

  beforeEach(async () => {
    database = await createTestDatabase('transport_tables');
    await prepareDatabase(database.url, [SCHEMA]);
  });

  afterEach(async () => {
    await dataSource?.destroy();
    dataSource = undefined;
    await database.drop();
  });

  it('upgrades a database deployed before it, keeping the rows already in the outbox', async () => {
    dataSource = await open(database.url, [FirstBefore1764000000000]);
    const eventId = randomUUID();
    await dataSource.query(`INSERT INTO "${SCHEMA}"."outbox" ("id", "type", "envelope") VALUES ($1, 'referral.received', '{}')`, [eventId]);
    await dataSource.destroy();

    dataSource = await open(database.url, [transportTablesMigration(SCHEMA), First1764000000000]);
    expect(await migrationNames(dataSource)).toEqual(['First1764000000000', 'CreateTransportTables1763900000000']);
    expect(await dataSource.query(`SELECT "id" FROM "${SCHEMA}"."outbox"`)).toEqual([{ id: eventId }]);
  });

  it('creates the outbox, inbox and dead letters on a new database before the service migrations', async () => {
    dataSource = await open(database.url, [transportTablesMigration(SCHEMA), First1764000000000]);
    expect(await migrationNames(dataSource)).toEqual(['CreateTransportTables1763900000000', 'First1764000000000']);
    const tables = await dataSource.query(`SELECT "table_name" FROM information_schema.tables WHERE "table_schema" = $1 ORDER BY 1`, [SCHEMA]);
    expect(tables.map((row: { table_name: string }) => row.table_name)).toEqual(['dead_letter', 'inbox', 'migrations', 'outbox', 'thing']);
  });
});
