/**
 * `auto-migrations new <app|all> [--auto] [--desc TEXT] [--rename Table.old=new ...] [--yes]`
 *
 * Without --auto: an empty migration to fill in by hand. With --auto: the diff between the app's
 * migrations and its tables. A possible rename is asked in a terminal, one question at a time (an
 * answer can change the next question: declining one pairing may make another); without a terminal
 * it is taken only from a hint (`renamedFrom`, `--rename`), otherwise it is reported and nothing is
 * written for it. Destructive changes are confirmed in a terminal, or written with --yes.
 *
 * Everything is decided before anything is written, so a cancelled prompt leaves no file behind.
 */
import type { RenameQuestion } from '../../core/differ/renames.js'
import { AutoMigrationsError } from '../../errors.js'
import type { AddColumn, Operation } from '../../core/operations/index.js'
import type { AppState, ProjectState } from '../../build/project/project-state.js'
import type { AppPlan } from '../../build/project/plan.js'
import type { RenameHints } from '../../core/differ/hints.js'
import type { DefaultValue } from '../../core/state/snapshot.js'
import { flag, stringOption, stringsOption } from '../args.js'
import type { Command } from '../context.js'
import { isYes } from '../io.js'
import { printErrors } from '../report.js'

const NAME = /^[A-Za-z_$][\w$]*$/

/**
 * `--rename Post.title=name` (a column, by property names) or `--rename Article=Post` (a table, by
 * class names), as the differ's rename hints for the apps that have that table.
 */
export function parseRenames(values: readonly string[], replayed: ProjectState, apps: readonly string[]): RenameHints {
  const hints: RenameHints = { tables: new Map(), columns: new Map() }
  const tables = (replayed.model?.snapshot.tables ?? []).filter((t) => apps.includes(t.app))
  for (const value of values) {
    const match = /^([^.=]+)(?:\.([^.=]+))?=([^.=]+)$/.exec(value)
    const [, table, from, to] = match ?? []
    if (!table || !to || !NAME.test(table) || !NAME.test(to) || (from !== undefined && !NAME.test(from))) {
      throw new AutoMigrationsError(
        'USAGE',
        `--rename ${value}: write Table.oldColumn=newColumn (property names), or OldTable=NewTable (class names).`,
      )
    }
    if (from !== undefined) {
      const owners = tables.filter((t) => t.className === table)
      if (owners.length === 0)
        throw new AutoMigrationsError('USAGE', `--rename ${value}: no table class ${table} in ${appsText(apps)}.`, {
          table,
        })
      for (const t of owners) {
        if (!t.columns.some((c) => c.name === to)) {
          throw new AutoMigrationsError(
            'USAGE',
            `--rename ${value}: table ${table} has no column "${to}" (use the property name).`,
            { app: t.app, table, column: to },
          )
        }
        hints.columns.set(`${t.app}.${table}.${to}`, from)
      }
    } else {
      const owners = tables.filter((t) => t.className === to)
      if (owners.length === 0)
        throw new AutoMigrationsError('USAGE', `--rename ${value}: no table class ${to} in ${appsText(apps)}.`, {
          table: to,
        })
      for (const t of owners) hints.tables.set(`${t.app}.${to}`, table)
    }
  }
  return hints
}

const appsText = (apps: readonly string[]) =>
  apps.length === 1 ? `app "${apps[0]}"` : `apps ${apps.map((a) => `"${a}"`).join(', ')}`

/** How to resolve a question without a terminal. */
function questionHelp(question: RenameQuestion): string {
  return question.kind === 'table'
    ? `pass --rename ${question.from}=${question.to} for a rename, or --yes to drop ${question.from} and add ${question.to}`
    : `pass --rename ${question.table}.${question.from}=${question.to} for a rename, or --yes to drop "${question.from}" and add "${question.to}"`
}

interface Decision {
  app: AppState
  write: Operation[]
  /** Destructive operations not confirmed. */
  held: Operation[]
  questions: RenameQuestion[]
  /** Columns that need a one-off value nobody gave. */
  needsValue: AddColumn[]
}

export const newCommand: Command = {
  words: ['new'],
  usage: 'new <app|all> [--auto] [--desc TEXT] [--rename Table.old=new ...] [--yes]',
  summary: 'write a migration: empty, or with --auto the changes made to the tables',
  help: [
    '',
    'On a terminal, --auto asks about possible renames, destructive changes, and a one-off value (SQL)',
    'for the existing rows of a new NOT NULL column without a default; without a terminal such a',
    'column is not written (needs-value) and the command exits 1.',
  ],
  options: {
    auto: {
      type: 'boolean',
      description: 'write the changes made to the tables since the last migration, not an empty migration',
    },
    desc: { type: 'string', value: 'TEXT', description: 'a description of the migration, kept in its file' },
    rename: {
      type: 'strings',
      value: 'SPEC',
      description:
        'with --auto: a rename, not a drop and an add: Table.old=new (a column, property names) or Old=New (a table, class names); repeat for more',
    },
    yes: {
      type: 'boolean',
      description: 'ask nothing: write destructive changes, and take open rename questions as a drop and an add',
    },
    'no-cache': {
      type: 'boolean',
      description: 'read and write no cache (node_modules/.auto-migrations/cache): load everything',
    },
  },
  async run(ctx, args) {
    const [target, ...extra] = args.positionals
    if (!target) throw new AutoMigrationsError('USAGE', 'Which app? Usage: auto-migrations new <app|all> [--auto]')
    if (extra.length > 0)
      throw new AutoMigrationsError('USAGE', `Unexpected argument "${extra[0]}". Usage: auto-migrations ${this.usage}`)
    const auto = flag(args, 'auto')
    const renames = stringsOption(args, 'rename')
    if (!auto && renames.length > 0) throw new AutoMigrationsError('USAGE', '--rename only applies with --auto.')
    const description = stringOption(args, 'desc')

    // The build code is imported here, not at the top: the CLI starts faster for the other commands.
    const { loadProjectState, requireApp } = await import('../../build/project/project-state.js')
    const { fixCommand, questionDescription, writeMigrations } = await import('../../build/project/plan.js')
    const { oneOffDescription, oneOffFix } = await import('../../build/project/one-off.js')
    const replayed = await loadProjectState({
      root: ctx.root,
      configFile: ctx.config,
      stateCache: !flag(args, 'no-cache'),
    })
    const targets = target === 'all' ? replayed.apps : [requireApp(replayed, target)]
    const blocking = [
      ...targets.flatMap((a) => a.errors),
      ...(auto && replayed.modelError ? [replayed.modelError] : []),
    ]
    if (blocking.length > 0) {
      printErrors(ctx, blocking)
      ctx.err('Nothing was written: fix the problems above first.')
      return 1
    }
    if (targets.length === 0) {
      ctx.err('The config lists no apps yet: create one with npx auto-migrations app new <name>.')
      return 1
    }

    if (!auto) {
      const empty = targets.map((a) => ({ app: a.app.name, operations: [] }))
      for (const written of await writeMigrations(replayed, empty, {
        description: description ?? '',
        now: ctx.io.now(),
        empty: true,
      }))
        ctx.out(
          ctx.paint.out.green(
            `${written.app}: wrote ${ctx.show(written.file)} (empty: add operations to its forwards())`,
          ),
        )
      return 0
    }

    const names = targets.map((a) => a.app.name)
    const hints = parseRenames(renames, replayed, names)
    const yes = flag(args, 'yes')
    // --yes means "don't ask": it answers every open question with no, and confirms drops.
    const prompt = yes ? undefined : ctx.io.prompt
    const plans = await answerRenames(replayed, { hints, apps: names, prompt, declineAll: yes })

    const decisions: Decision[] = []
    for (const plan of plans) {
      const app = targets.find((a) => a.app.name === plan.app)!
      const destructive = plan.operations.filter((o) => o.destructive)
      let confirmed = yes || destructive.length === 0
      if (!confirmed && prompt) {
        ctx.out(`${plan.app}: ${destructive.length === 1 ? 'this change loses' : 'these changes lose'} data:`)
        for (const o of destructive) ctx.out(`  - ${o.describe()}`)
        confirmed = isYes(
          await prompt(`Write ${destructive.length === 1 ? 'it' : 'them'} into the migration of ${plan.app}? (y/N)`),
        )
      }
      decisions.push({
        app,
        write: confirmed ? plan.operations : plan.operations.filter((o) => !o.destructive),
        held: confirmed ? [] : destructive,
        questions: plan.questions,
        needsValue: plan.needsValue,
      })
    }

    const written = await writeMigrations(
      replayed,
      decisions.map((d) => ({ app: d.app.app.name, operations: d.write })),
      { description, now: ctx.io.now() },
    )
    let incomplete = false
    for (const d of decisions) {
      const name = d.app.app.name
      const files = written.filter((w) => w.app === name)
      for (const file of files) {
        ctx.out(ctx.paint.out.green(`${name}: wrote ${ctx.show(file.file)}`))
        for (const line of file.lines) ctx.out(`  - ${line}`)
      }
      if (files.length === 0 && d.held.length === 0 && d.questions.length === 0 && d.needsValue.length === 0) {
        ctx.out(`No changes in ${name}`)
      }
      if (d.held.length > 0 || d.questions.length > 0 || d.needsValue.length > 0) {
        incomplete = true
        ctx.err(`${name}: not written (resolve these, then run ${fixCommand(name)} again):`)
        for (const q of d.questions) {
          ctx.err(`  - ambiguous: ${questionDescription(q)}`)
          ctx.err(`      answer it in a terminal, or ${questionHelp(q)}`)
        }
        for (const o of d.held) {
          ctx.err(`  - destructive: ${o.describe()}`)
          ctx.err('      confirm it in a terminal, or pass --yes to write it')
        }
        for (const o of d.needsValue) {
          ctx.err(`  - needs-value: ${oneOffDescription(o)}`)
          ctx.err(`      ${oneOffFix(o)}`)
        }
      }
    }
    return incomplete ? 1 : 0
  },
}

/**
 * Diffs, asks the first open rename question, and diffs again with the answer, until nothing is
 * open or there is nobody to ask. Destructive operations are planned (allowed) here; whether they
 * are written is decided afterwards.
 */
async function answerRenames(
  replayed: ProjectState,
  options: {
    hints: RenameHints
    apps: string[]
    prompt: ((q: string) => Promise<string>) | undefined
    declineAll: boolean
  },
): Promise<AppPlan[]> {
  const { emptyAnswers } = await import('../../core/differ/renames.js')
  const { planNewMigrations } = await import('../../build/project/plan.js')
  const { oneOffKey } = await import('../../build/project/one-off.js')
  const { sql } = await import('../../core/state/sql.js')
  const answers = emptyAnswers()
  // One-off values given for existing rows; columns left without one stay held.
  const values = new Map<string, DefaultValue>()
  const skipped = new Set<string>()
  for (;;) {
    const plans = planNewMigrations(replayed, {
      answers,
      hints: options.hints,
      allowDestructive: true,
      apps: options.apps,
      oneOffValues: values,
    })
    const open = plans.flatMap((p) => p.questions)
    if (open.length === 0) {
      const column = plans.flatMap((p) => p.needsValue).find((o) => !skipped.has(oneOffKey(o)))
      if (!column || !options.prompt) return plans
      const name = `${column.params.tableClassName}.${column.params.columnName}`
      const answer = (
        await options.prompt(
          `Column ${name} is NOT NULL without a default, and table ${column.params.tablename} may have rows. ` +
            "One-off value for them, as SQL (now(), 0, 'draft'; empty: don't write it)?",
        )
      ).trim()
      if (answer === '') skipped.add(oneOffKey(column))
      else values.set(oneOffKey(column), sql(answer))
      continue
    }
    if (options.declineAll) {
      for (const q of open) answers.declined.add(q.key)
      continue
    }
    const question = open[0]!
    if (!options.prompt) return plans
    const answer = await options.prompt(question.text)
    ;(isYes(answer) ? answers.accepted : answers.declined).add(question.key)
  }
}
