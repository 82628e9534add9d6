import { AppError } from './errors.js'

export class BusyError extends AppError {
  constructor () {
    super(503, 'BUSY', 'Too much image work is waiting; try again in a moment')
  }
}

/**
 * At most `concurrency` jobs at once and `waiting` more in line; beyond that a job is refused at once
 * (503) instead of piling up memory. Image work goes through one of these, so a burst of uploads or
 * first requests for variants cannot exhaust memory or the threads libvips works on.
 */
export function workQueue ({ concurrency, waiting }: { concurrency: number, waiting: number }) {
  let running = 0
  const queue: Array<() => void> = []
  // A finished job hands its slot to the first in line, or gives it back.
  const next = () => {
    const waiter = queue.shift()
    if (waiter) waiter()
    else running--
  }
  return async function run<T> (job: () => Promise<T>): Promise<T> {
    if (running >= concurrency) {
      if (queue.length >= waiting) throw new BusyError()
      await new Promise<void>((resolve) => queue.push(resolve))
    } else {
      running++
    }
    try {
      return await job()
    } finally {
      next()
    }
  }
}
