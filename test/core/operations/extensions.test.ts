/** What the embedded database must load to run migrations: the extensions they create. */
import { expect, it } from 'vitest'
import { extensionsAdded } from '../../../src/core/operations/extensions.js'
import { MigrationManager } from '../../../src/core/operations/manager.js'

it('the extensions migrations create forwards or backwards: addExtension, dropExtension, CREATE EXTENSION in raw SQL', () => {
  const manager = new MigrationManager({ migrationId: '2026-01-01T00:00:00:000000', appName: 'blog' })
  manager.addExtension({ name: 'citext' })
  manager.dropExtension({ name: 'ltree' })
  manager.sql('CREATE EXTENSION IF NOT EXISTS "uuid-ossp";\ncreate extension HSTORE', 'drop extension hstore')
  manager.sql('select 1', 'create extension pg_trgm')
  expect(extensionsAdded(manager.operations)).toEqual(['citext', 'ltree', 'uuid-ossp', 'hstore', 'pg_trgm'])
})
