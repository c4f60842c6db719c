import { DataSource } from 'typeorm';
import { createTestDatabase, eventually, TestDatabase } from '../testing';
import { IDLE_IN_TRANSACTION_TIMEOUT_MS, serviceDataSourceOptions } from './typeorm-options';

/**
 * A replica that vanishes mid-transaction without closing its connection (host lost, network cut) must not
 * hold its locks for the two hours TCP takes to give up: PostgreSQL ends the idle transaction, and the
 * others waiting on the lock go on.
 */
describe("a service's PostgreSQL connections", () => {
  let database: TestDatabase;
  const dataSources: DataSource[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('idle_tx');
  });

  afterAll(async () => {
    for (const dataSource of dataSources) await dataSource.destroy().catch(() => undefined);
    await database.drop();
  });

  async function open(idleInTransactionTimeoutMs?: number): Promise<DataSource> {
    const dataSource = new DataSource(serviceDataSourceOptions({ url: database.url, schema: 'public', entities: [], migrations: [], idleInTransactionTimeoutMs }));
    await dataSource.initialize();
    dataSources.push(dataSource);
    return dataSource;
  }

  it('end a transaction left idle, releasing its locks for the others', async () => {
    const stuck = await open(500);
    const other = await open();
    const runner = stuck.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    await runner.query('SELECT pg_advisory_xact_lock(42)');
    // The holder never speaks again, as a client whose host vanished; the other replica waits for the lock.
    const started = Date.now();
    await other.transaction((manager) => manager.query('SELECT pg_advisory_xact_lock(42)'));
    expect(Date.now() - started).toBeLessThan(10_000);
    await eventually(async () => (await runner.query('SELECT 1').then(() => false, () => true)) || undefined);
    await runner.release().catch(() => undefined);
  });

  it('are given 60 s by default', async () => {
    const dataSource = await open();
    const [{ idle_in_transaction_session_timeout: timeout }] = await dataSource.query('SHOW idle_in_transaction_session_timeout');
    expect(IDLE_IN_TRANSACTION_TIMEOUT_MS).toBe(60_000);
    expect(timeout).toBe('1min');
  });
});
