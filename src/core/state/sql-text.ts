/**
 * SQL text as the differ compares it: views, functions and triggers are diffed by their normalised
 * text, so that reformatting a query or changing the case of a keyword writes no migration.
 */

const WORD = /[A-Za-z0-9_$\u0080-\uffff]/
const OPERATOR = /[+\-*/<>=~!@#%^&|`?:]/
const DOLLAR_TAG = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/

/**
 * The text with comments removed, whitespace collapsed (none around punctuation and operators, one
 * space between words) and everything outside quotes in lower case (unquoted names fold to lower
 * case in Postgres, and keywords are case-insensitive). String literals, quoted names and
 * dollar-quoted bodies (a function's code) are kept exactly. A trailing semicolon does not count.
 */
export function normaliseSql(text: string): string {
  const tokens: { text: string; word: boolean }[] = []
  let i = 0
  const quoted = (close: string) => {
    let j = i + 1
    for (;;) {
      const at = text.indexOf(close, j)
      if (at < 0) return text.length
      // A doubled quote is an escaped one.
      if (text[at + 1] === close) j = at + 2
      else return at + 1
    }
  }
  while (i < text.length) {
    const c = text[i]!
    if (/\s/.test(c)) i++
    else if (text.startsWith('--', i)) i = text.includes('\n', i) ? text.indexOf('\n', i) : text.length
    else if (text.startsWith('/*', i)) i = text.includes('*/', i + 2) ? text.indexOf('*/', i + 2) + 2 : text.length
    else if (c === "'" || c === '"') {
      const end = quoted(c)
      tokens.push({ text: text.slice(i, end), word: true })
      i = end
    } else if (c === '$' && DOLLAR_TAG.test(text.slice(i))) {
      const tag = DOLLAR_TAG.exec(text.slice(i))![0]
      const close = text.indexOf(tag, i + tag.length)
      const end = close < 0 ? text.length : close + tag.length
      tokens.push({ text: text.slice(i, end), word: true })
      i = end
    } else if (WORD.test(c)) {
      let j = i
      while (j < text.length && WORD.test(text[j]!)) j++
      tokens.push({ text: text.slice(i, j).toLowerCase(), word: true })
      i = j
    } else {
      const operator = OPERATOR.test(c)
      let j = i + 1
      while (operator && j < text.length && OPERATOR.test(text[j]!) && !text.startsWith('--', j)) j++
      tokens.push({ text: text.slice(i, j), word: false })
      i = j
    }
  }
  while (tokens.length && tokens[tokens.length - 1]!.text === ';') tokens.pop()
  let out = ''
  tokens.forEach((token, at) => {
    if (at > 0 && token.word && tokens[at - 1]!.word) out += ' '
    out += token.text
  })
  return out
}

/** Whether two pieces of SQL are the same once normalised (see `normaliseSql`). */
export const sameSql = (a: string, b: string): boolean => a === b || normaliseSql(a) === normaliseSql(b)

/** Whether SQL names something (a column, a table): quoted, or as a bare identifier. */
export function sqlMentions(sql: string, dbName: string): boolean {
  if (sql.includes(`"${dbName.replaceAll('"', '""')}"`)) return true
  return (
    /^[a-z_][a-z0-9_]*$/.test(dbName) && new RegExp(`(^|[^a-zA-Z0-9_$"])${dbName}($|[^a-zA-Z0-9_$"])`, 'i').test(sql)
  )
}
