import { defineConfig } from 'unplugin-auto-migrations'

export default defineConfig({
  apps: ['./src/auth/app.ts', './src/blog/app.ts'],
  // Unset: the embedded database (PGlite in .auto-migrations/db). Set DATABASE_URL to use a server.
  database: process.env.DATABASE_URL,
})
