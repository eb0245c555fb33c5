/**
 * Expected failures reach clients as GraphQL errors with an UPPER_SNAKE `extensions.code`;
 * everything else keeps yoga's masking ("Unexpected error.") and is logged here instead.
 *
 * Errors are recognised by name rather than `instanceof GraphQLError`: under a bundler that
 * resolves graphql's ESM build next to its CommonJS build, there are two GraphQLError classes.
 */
import type { GraphQLError } from 'graphql';
import { createGraphQLError, maskError as yogaMaskError } from 'graphql-yoga';
import type { Logger } from '../logger.js';
import { SubscriberOverflowError } from '../services/chat/subscription.js';
import { DomainError } from '../services/errors.js';
import { ReplayGapError } from '../services/stream-hub.js';

export type MaskError = (error: unknown, message: string) => Error;

export const isGraphQLError = (error: unknown): error is GraphQLError =>
  error instanceof Error && error.name === 'GraphQLError';

/** The code a client may act on, or null when the error is unexpected. */
export function expectedCode(error: unknown): string | null {
  if (error instanceof DomainError) return error.code;
  // A subscriber that fell behind or asked for events no longer buffered resubscribes.
  if (error instanceof ReplayGapError || error instanceof SubscriberOverflowError)
    return error.code;
  return null;
}

/** The `maskedErrors.maskError` of the yoga server. */
export function createMaskError(logger: Logger): MaskError {
  return (error, message) => {
    const located = isGraphQLError(error) ? error : null;
    if (located && 'originalError' in located.extensions) refusedWithoutParser(located);
    const original = located ? (located.originalError ?? located) : error;
    const code = expectedCode(original);
    if (code !== null) {
      const details = original instanceof DomainError ? original.details : {};
      return createGraphQLError((original as Error).message, {
        nodes: located?.nodes,
        path: located?.path,
        extensions: { ...details, code },
      });
    }
    const requestCode = located ? uncodedRequestErrorCode(located) : null;
    if (located && requestCode) {
      // The armor limits word their refusals "Syntax Error: ..." though the query parsed.
      const message =
        requestCode === 'GRAPHQL_VALIDATION_FAILED'
          ? located.message.replace(/^Syntax Error: /, '')
          : located.message;
      return createGraphQLError(message, {
        nodes: located.nodes,
        source: located.source,
        positions: located.positions,
        extensions: {
          ...located.extensions,
          code: requestCode,
          ...(requestCode === 'BAD_USER_INPUT' && { field: variableField(located.message) }),
        },
      });
    }
    if (!isGraphQLError(original)) {
      logger.error('unexpected error in a GraphQL operation', { error: original });
    }
    // Never yoga's development mode (NODE_ENV=development), which hands the client the original
    // error with its stack: the log above has it.
    return yogaMaskError(error, message, false);
  };
}

/**
 * Yoga's JSON body parser attaches the parser's error, which quotes the body back, and yoga
 * answers such a refusal 400 only while it is there (200 otherwise, as the GraphQL-over-HTTP
 * spec allows for application/json). Changed in place, as yoga reads this very error: the
 * parser's error goes, and the refusal keeps its 400 over every transport.
 */
function refusedWithoutParser(error: GraphQLError): void {
  const extensions = error.extensions as Record<string, unknown>;
  delete extensions.originalError;
  const http = extensions.http as { status?: number } | undefined;
  if (http?.status) extensions.http = { status: http.status };
}

/**
 * The input a refused variable names, as other refusals give it in `extensions.field`: the
 * field of an input object (`at "input.text"`, `Field "text" of required type`), else the
 * variable itself. Read from graphql-js's wording, the only place it is given.
 */
function variableField(message: string): string | undefined {
  const named = /Field "([^"]+)"/.exec(message)?.[1];
  const at = / at "([^"]+)"/.exec(message)?.[1];
  const variable = /^Variable "\$([^"]+)"/.exec(message)?.[1];
  return (
    named ??
    at
      ?.replace(/\[\d+\]/g, '')
      .split('.')
      .at(-1) ??
    variable
  );
}

/**
 * The code for a request refused before execution by graphql-js or a limit plugin, which report
 * it without one: a variable that cannot be coerced (`$first: "ten"` for an Int) is the client's
 * input; a syntax error failed to parse; a query over the depth, alias or cost limits failed
 * validation.
 */
function uncodedRequestErrorCode(error: GraphQLError): string | null {
  if (error.extensions?.code !== undefined || error.path) return null;
  // The scalar's own complaint may be attached; any other cause is not a refused request.
  if (error.originalError && !isGraphQLError(error.originalError)) return null;
  if (error.message.startsWith('Variable "$')) return 'BAD_USER_INPUT';
  // Yoga codes parse errors itself, but misses the syntax errors of the token limit's parser,
  // which come from graphql's other build. Those point into the query; the depth limit's
  // refusal, also worded "Syntax Error", points nowhere.
  if (error.message.startsWith('Syntax Error:') && error.locations?.length) {
    return 'GRAPHQL_PARSE_FAILED';
  }
  return 'GRAPHQL_VALIDATION_FAILED';
}
