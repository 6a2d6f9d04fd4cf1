import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadMigrations, MigrationError, splitStatements } from '../../src/store/migrations.js';

describe('migration files', () => {
  it('are loaded in version order with a checksum', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mig-'));
    await writeFile(join(dir, '0002_second.sql'), 'SELECT 2;');
    await writeFile(join(dir, '0001_first.sql'), 'SELECT 1;');
    const ms = await loadMigrations(dir);
    assert.deepEqual(ms.map((m) => `${m.version}_${m.name}`), ['0001_first', '0002_second']);
    assert.notEqual(ms[0]!.checksum, ms[1]!.checksum);
  });

  it('must be named NNNN_description.sql', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mig-'));
    await writeFile(join(dir, 'first.sql'), 'SELECT 1;');
    await assert.rejects(loadMigrations(dir), (e: unknown) => e instanceof MigrationError && /NNNN_description/.test((e as Error).message));
  });

  it('may not share a version', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mig-'));
    await writeFile(join(dir, '0001_a.sql'), 'SELECT 1;');
    await writeFile(join(dir, '0001_b.sql'), 'SELECT 1;');
    await assert.rejects(loadMigrations(dir), /share version 0001/);
  });

  it('are split into statements at line-ending semicolons, comments dropped', () => {
    const sql = `-- a table\nCREATE TABLE a (x String) ENGINE = Memory;\n\n-- another\nCREATE TABLE b (s String DEFAULT 'x;y') ENGINE = Memory;\n`;
    assert.deepEqual(splitStatements(sql), [
      'CREATE TABLE a (x String) ENGINE = Memory',
      "CREATE TABLE b (s String DEFAULT 'x;y') ENGINE = Memory",
    ]);
  });
});
