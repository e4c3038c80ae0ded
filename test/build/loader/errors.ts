import { AutoMigrationsError } from '../../../src/errors.js'

/** The AutoMigrationsError that `promise` rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<AutoMigrationsError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof AutoMigrationsError) return error
    throw error
  }
  throw new Error('expected an AutoMigrationsError, but the call succeeded')
}
