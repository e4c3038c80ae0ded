/**
 * `pull` of what lies beyond tables: triggers read back from pg_get_triggerdef, views, functions
 * and extensions as the model declares them, and what it cannot declare named.
 */
import { describe, expect, it } from 'vitest'
import { pullObjects, triggerDeclaration } from '../../../src/build/project/pull-objects.js'
import type { PhysicalSchema } from '../../../src/runtime/introspect.js'

const trigger = (definition: string) => triggerDeclaration({ name: 'audit', definition })

describe('a trigger read back from pg_get_triggerdef', () => {
  it('takes timing, events, the function and WHEN, leaving out the default row level', () => {
    const declared = trigger(
      'CREATE TRIGGER audit BEFORE INSERT OR UPDATE ON public.account FOR EACH ROW WHEN ((old.* IS DISTINCT FROM new.*)) EXECUTE FUNCTION touch()',
    )
    expect(declared).toMatchObject({
      name: 'audit',
      options: { timing: 'before', events: ['insert', 'update'], function: 'touch', forEach: undefined },
    })
    expect(typeof declared === 'string' ? declared : String(declared.options.when)).toBe('old.* IS DISTINCT FROM new.*')
  })

  it('keeps a statement trigger and a function in another schema, unquoted', () => {
    expect(
      trigger(
        'CREATE TRIGGER audit AFTER TRUNCATE ON "Sales".orders FOR EACH STATEMENT EXECUTE FUNCTION "Audit".log()',
      ),
    ).toMatchObject({ options: { timing: 'after', events: ['truncate'], function: 'Audit.log', forEach: 'statement' } })
  })

  it('says why it cannot declare UPDATE OF, arguments or a constraint trigger', () => {
    expect(
      trigger('CREATE TRIGGER audit AFTER UPDATE OF body ON public.note FOR EACH ROW EXECUTE FUNCTION log()'),
    ).toMatch(/^is not one the model declares/)
    expect(trigger("CREATE TRIGGER audit AFTER UPDATE ON public.note FOR EACH ROW EXECUTE FUNCTION log('x')")).toMatch(
      /^is not one the model declares/,
    )
    expect(
      trigger(
        'CREATE CONSTRAINT TRIGGER audit AFTER INSERT ON public.note DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION log()',
      ),
    ).toMatch(/^is a constraint trigger/)
  })
})

const schema = (overrides: Partial<PhysicalSchema>): PhysicalSchema => ({
  schemas: ['public'],
  tables: [],
  enums: [],
  extensions: [],
  views: [],
  functions: [],
  ...overrides,
})

describe('views, functions and extensions', () => {
  it('names view classes after the tables’ classes, lists overloads, and leaves out extensions outside public', () => {
    const unsupported: string[] = []
    const skipped: string[] = []
    const pulled = pullObjects(
      schema({
        views: [{ schema: 'public', name: 'post', materialized: false, definition: ' SELECT 1 AS one;', indexes: [] }],
        functions: [
          { schema: 'public', name: 'area', arguments: 'r integer', definition: 'CREATE OR REPLACE FUNCTION ...\n' },
          { schema: 'public', name: 'area', arguments: 'w integer, h integer', definition: 'CREATE ...' },
        ],
        extensions: [
          { name: 'citext', schema: 'public' },
          { name: 'hstore', schema: 'extensions' },
        ],
      }),
      new Map(),
      new Set(['Post']),
      unsupported,
      skipped,
    )
    expect(pulled.views).toMatchObject([{ className: 'Post2', viewname: 'post', materialized: false }])
    expect(String(pulled.views[0]?.query.text)).toBe('SELECT 1 AS one')
    expect(pulled.functions.map((f) => [f.name, f.sql.text])).toEqual([['area', 'CREATE OR REPLACE FUNCTION ...']])
    expect(pulled.extensions).toEqual(['citext'])
    expect(unsupported).toEqual(['function area: overloaded (the model declares one function per name)'])
    expect(skipped).toEqual([
      'extension hstore: it lives in schema extensions (the model creates extensions in public)',
    ])
  })
})
