/**
 * A server that accepts TCP connections and never answers: what a client sees of a hung server or a
 * firewall that lets the handshake through. The connection succeeds, so only a client's own timeout
 * (connect timeout, statement timeout) can end the wait: what connect-timeout tests need.
 */
import { type Socket, createServer } from 'node:net'

export interface Blackhole {
  port: number
  /** `postgres://postgres@127.0.0.1:<port>/<database>`: a Postgres URL that hangs. */
  url(database?: string): string
  /** How many connections it has accepted so far. */
  accepted(): number
  /** Destroys every open connection (their clients see them end) and stops listening. */
  close(): Promise<void>
}

export async function startBlackhole(): Promise<Blackhole> {
  const sockets = new Set<Socket>()
  let accepted = 0
  const server = createServer((socket) => {
    accepted++
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    // A client that gives up resets the connection: that is expected, not an error of the test.
    socket.on('error', () => undefined)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  if (!address || typeof address !== 'object') throw new Error('blackhole: no port assigned')
  let closed: Promise<void> | undefined
  return {
    port: address.port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${address.port}/${database}`,
    accepted: () => accepted,
    close() {
      closed ??= new Promise<void>((resolve) => {
        // server.close() waits for open connections to end, which they never do on their own.
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
      return closed
    },
  }
}
