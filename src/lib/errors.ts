/** An error that maps to an RFC 9457 problem response; thrown anywhere, answered by plugins/errors.ts. */
export class AppError extends Error {
  constructor (
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message)
  }
}

export class BadRequestError extends AppError {
  constructor (message: string, code = 'BAD_REQUEST', extra: Record<string, unknown> = {}) {
    super(400, code, message, extra)
  }
}

export class ValidationError extends AppError {
  constructor (errors: Array<{ path: string, message: string }>) {
    super(400, 'VALIDATION_ERROR', errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; '), { errors })
  }
}

export class UnauthorizedError extends AppError {
  constructor (message = 'A valid bearer token is required') {
    super(401, 'UNAUTHORIZED', message)
  }
}

export class ForbiddenError extends AppError {
  constructor (message = 'Your token’s role may not do this') {
    super(403, 'FORBIDDEN', message)
  }
}

export class NotFoundError extends AppError {
  constructor (message = 'Not found') {
    super(404, 'NOT_FOUND', message)
  }
}

export class ConflictError extends AppError {
  constructor (message: string, code = 'CONFLICT') {
    super(409, code, message)
  }
}

export class PreconditionFailedError extends AppError {
  constructor (message: string, extra: Record<string, unknown> = {}) {
    super(412, 'PRECONDITION_FAILED', message, extra)
  }
}
