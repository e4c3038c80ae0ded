/**
 * The silent server connect-timeout tests use (test/helpers/blackhole.ts): a Postgres client's
 * connection to it is accepted and then never answered, so only the client's own timeout ends it;
 * close() ends the connections still open.
 */
import { connect } from 'node:net'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { startBlackhole } from '../helpers/blackhole.js'

describe('startBlackhole', () => {
  it('accepts a Postgres client and never answers: the client gives up by its connect timeout', async () => {
    const hole = await startBlackhole()
    try {
      const client = new pg.Client({ connectionString: hole.url('test'), connectionTimeoutMillis: 300 })
      const started = Date.now()
      await expect(client.connect()).rejects.toThrow(/timeout/i)
      expect(Date.now() - started).toBeGreaterThanOrEqual(250)
      expect(hole.accepted()).toBe(1)
    } finally {
      await hole.close()
    }
  })

  it('close() ends the connections still open and stops listening', async () => {
    const hole = await startBlackhole()
    const socket = connect(hole.port, '127.0.0.1')
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject))
    // The client's handshake can complete before the server's accept runs: close() must find it open.
    while (hole.accepted() === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    const ended = new Promise((resolve) => socket.once('close', resolve))
    socket.on('error', () => undefined)
    await hole.close()
    await ended
    const refused = await new Promise<string | undefined>((resolve) => {
      const again = connect(hole.port, '127.0.0.1')
      again.once('connect', () => resolve(undefined))
      again.once('error', (error: NodeJS.ErrnoException) => resolve(error.code))
    })
    expect(refused).toBe('ECONNREFUSED')
  })
})
