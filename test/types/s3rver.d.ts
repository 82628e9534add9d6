// s3rver ships no types: the part of it the tests use, a local S3-compatible server.
declare module 's3rver' {
  interface Options {
    port?: number
    address?: string
    silent?: boolean
    directory: string
    configureBuckets?: Array<{ name: string, configs: unknown[] }>
  }
  export default class S3rver {
    constructor (options: Options)
    run (): Promise<{ address: string, port: number }>
    close (): Promise<void>
  }
}
