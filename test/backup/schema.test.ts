import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { knownColumns } from '../../src/main/ledger/backup/rows';
import { BACKUP_TABLES } from '../../src/shared/contract/backup';
import { createTestDb, type TestDb } from '../support/db';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(() => db.close());

describe('backup row schemas', () => {
  // A migration that adds a column must add it to the row's zod schema too, or restores of new
  // backups would refuse the column as unknown: this fails first.
  it.each(BACKUP_TABLES)(
    '%s: the schema knows exactly the columns of the migrated database',
    async (table) => {
      const columns = Object.keys((await db.knex(table).columnInfo()) as Record<string, unknown>);
      expect(knownColumns(table).sort()).toEqual(columns.sort());
    },
  );
});
