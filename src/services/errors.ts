/**
 * Domain errors thrown by the services. The GraphQL layer maps `code` to `extensions.code`;
 * anything that is not a DomainError is unexpected and stays masked.
 */
export type DomainErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'QUOTA_EXCEEDED'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UNAUTHENTICATED';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('BAD_USER_INPUT', message, details);
  }
}

export class NotFoundError extends DomainError {
  constructor(message = 'Conversation not found', details?: Record<string, unknown>) {
    super('NOT_FOUND', message, details);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('CONFLICT', message, details);
  }
}

/** Too much at once from one user (the model's own rate limits end the answer instead). */
export class RateLimitedError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('RATE_LIMITED', message, details);
  }
}

export class QuotaExceededError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('QUOTA_EXCEEDED', message, details);
  }
}

export class UpstreamUnavailableError extends DomainError {
  constructor(message = 'The model service is unavailable; try again shortly') {
    super('UPSTREAM_UNAVAILABLE', message);
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(message = 'A valid token is required') {
    super('UNAUTHENTICATED', message);
  }
}

/** The data directory is held by another process, or a file cannot be used. */
export class StorageError extends Error {
  override name = 'StorageError';
}
