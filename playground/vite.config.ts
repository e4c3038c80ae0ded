/// <reference types="unplugin-auto-migrations/client" />
import { defineConfig } from 'vite'
import AutoMigrations from 'unplugin-auto-migrations/vite'

export default defineConfig({
  plugins: [
    AutoMigrations(),
    {
      name: 'playground-api',
      configureServer(server) {
        server.middlewares.use(async (req, res, next) => {
          if (!req.url?.startsWith('/api/')) return next()
          try {
            const api = (await server.ssrLoadModule('/server/api.ts')) as typeof import('./server/api')
            res.setHeader('content-type', 'application/json')
            res.end(JSON.stringify(await api.handle(req.url), null, 2))
          } catch (error) {
            res.statusCode = 500
            res.end(String(error instanceof Error ? error.stack : error))
          }
        })
      },
    },
  ],
})
