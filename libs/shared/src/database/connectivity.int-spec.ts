import { createServer, Server } from 'node:net';
import { DependencyUnreachableError, assertRedisReachable, displayUrl, prepareDatabase } from './connectivity';
import { createTestDatabase } from '../testing';
import { Client } from 'pg';

async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('startup dependency checks', () => {
  it('names the PostgreSQL URL (without its password) and how to start it when nothing answers', async () => {
    const port = await closedPort();
    const attempt = prepareDatabase(`postgres://postgres:s3cret@127.0.0.1:${port}/referrals`, ['intake']);
    await expect(attempt).rejects.toBeInstanceOf(DependencyUnreachableError);
    const message = ((await attempt.catch((error: Error) => error)) as Error).message;
    expect(message).toContain(`postgres://postgres:***@127.0.0.1:${port}/referrals`);
    expect(message).not.toContain('s3cret');
    expect(message).toContain('pg_ctlcluster');
    expect(message.split('\n')).toHaveLength(1);
  });

  it('names the Redis URL and how to start it when nothing answers', async () => {
    const port = await closedPort();
    const attempt = assertRedisReachable(`redis://127.0.0.1:${port}`);
    await expect(attempt).rejects.toBeInstanceOf(DependencyUnreachableError);
    const message = ((await attempt.catch((error: Error) => error)) as Error).message;
    expect(message).toContain(`redis://127.0.0.1:${port}`);
    expect(message).toContain('redis-server');
  });

  it('creates a missing database and the service schema, and is safe to run again', async () => {
    const existing = await createTestDatabase('prepare');
    const url = new URL(existing.url);
    url.pathname = `${url.pathname}_fresh`;
    try {
      await prepareDatabase(url.toString(), ['intake']);
      await prepareDatabase(url.toString(), ['intake']);
      const client = new Client({ connectionString: url.toString() });
      await client.connect();
      const { rows } = await client.query(`SELECT schema_name FROM information_schema.schemata WHERE schema_name = 'intake'`);
      await client.end();
      expect(rows).toHaveLength(1);
    } finally {
      const admin = new Client({ connectionString: existing.url });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${url.pathname.slice(1)}" WITH (FORCE)`);
      await admin.end();
      await existing.drop();
    }
  });

  it('hides passwords when printing URLs', () => {
    expect(displayUrl('redis://:hunter2@cache:6379')).toBe('redis://:***@cache:6379');
    expect(displayUrl('not a url')).toBe('(unparseable URL)');
  });
});
