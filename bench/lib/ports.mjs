/** Free TCP ports on 127.0.0.1, for the servers the bench and the tests start themselves. */
import { createServer } from 'node:net'

/**
 * A port nothing listens on right now: the kernel picks one for a listener on port 0, which is then
 * closed. Another process may take it before the caller binds it, so the caller retries on EADDRINUSE.
 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port assigned')),
      )
    })
  })
}
