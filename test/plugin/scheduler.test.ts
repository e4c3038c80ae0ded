import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SerialDebouncer } from '../../src/plugin/scheduler.js'

describe('SerialDebouncer', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  function counting(durationMs = 0) {
    const state = { runs: 0, active: 0, maxActive: 0 }
    const task = async () => {
      state.runs++
      state.active++
      state.maxActive = Math.max(state.maxActive, state.active)
      await new Promise((resolve) => setTimeout(resolve, durationMs))
      state.active--
    }
    return { state, task }
  }

  it('collapses a burst of changes into one run after the quiet period', async () => {
    const { state, task } = counting()
    const scheduler = new SerialDebouncer(task, 50, () => {})
    scheduler.schedule()
    await vi.advanceTimersByTimeAsync(30)
    scheduler.schedule()
    await vi.advanceTimersByTimeAsync(30)
    scheduler.schedule()
    expect(state.runs).toBe(0)
    await vi.advanceTimersByTimeAsync(60)
    expect(state.runs).toBe(1)
  })

  it('runs an exclusive call between runs, never during one, and hands back its result', async () => {
    const { state, task } = counting(100)
    const scheduler = new SerialDebouncer(task, 10, () => {})
    scheduler.schedule()
    await vi.advanceTimersByTimeAsync(20) // the run started
    const seen: number[] = []
    const answer = scheduler.exclusive(async () => {
      seen.push(state.active)
      return 'written'
    })
    await vi.advanceTimersByTimeAsync(200)
    await expect(answer).resolves.toBe('written')
    expect(seen).toEqual([0])
    await expect(scheduler.exclusive(async () => Promise.reject(new Error('no')))).rejects.toThrow('no')
    // A failed exclusive call does not stop later runs.
    scheduler.schedule()
    await vi.advanceTimersByTimeAsync(200)
    expect(state.runs).toBe(2)
  })

  it('never runs twice at once; a change during a run gets exactly one more run', async () => {
    const { state, task } = counting(100)
    const scheduler = new SerialDebouncer(task, 10, () => {})
    scheduler.schedule()
    await vi.advanceTimersByTimeAsync(20) // first run started
    scheduler.schedule()
    await vi.advanceTimersByTimeAsync(20)
    scheduler.schedule()
    await vi.advanceTimersByTimeAsync(500)
    expect(state).toEqual({ runs: 2, active: 0, maxActive: 1 })
  })

  it('flush runs a waiting change at once and resolves when everything is done', async () => {
    const { state, task } = counting(10)
    const scheduler = new SerialDebouncer(task, 10_000, () => {})
    scheduler.schedule()
    const flushed = scheduler.flush()
    await vi.advanceTimersByTimeAsync(20)
    await flushed
    expect(state.runs).toBe(1)
  })

  it('reports a failing run and keeps going', async () => {
    const errors: unknown[] = []
    let calls = 0
    const scheduler = new SerialDebouncer(
      async () => {
        calls++
        if (calls === 1) throw new Error('boom')
      },
      10,
      (error) => errors.push(error),
    )
    await scheduler.runNow()
    await scheduler.runNow()
    expect(calls).toBe(2)
    expect(errors).toHaveLength(1)
  })

  it('does nothing once stopped', async () => {
    const { state, task } = counting()
    const scheduler = new SerialDebouncer(task, 10, () => {})
    scheduler.schedule()
    scheduler.stop()
    scheduler.schedule()
    await vi.advanceTimersByTimeAsync(100)
    await scheduler.flush()
    expect(state.runs).toBe(0)
  })
})
