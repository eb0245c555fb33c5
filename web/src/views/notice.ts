import type { ApiErrorCode } from '../api/errors.js';
import { h } from '../dom.js';
import { icon } from '../icons.js';

const titles: Record<ApiErrorCode, string> = {
  RATE_LIMITED: 'Too many requests',
  QUOTA_EXCEEDED: 'Too many conversations',
  UPSTREAM_UNAVAILABLE: 'The model service is unavailable',
  CONFLICT: 'An answer is still being written',
  NETWORK: 'Cannot reach the server',
  NOT_FOUND: 'Not found',
  BAD_USER_INPUT: 'That did not work',
  UNAUTHENTICATED: 'Signed out',
  REPLAY_GAP: 'The live answer could not be followed',
  SUBSCRIBER_OVERFLOW: 'The live answer could not be followed',
  INTERNAL: 'Something went wrong',
  BAD_REQUEST: 'The server refused the request',
  TOO_MANY_OPERATIONS: 'Too many requests on this connection',
  GRAPHQL_VALIDATION_FAILED: 'The server refused the request',
  GRAPHQL_PARSE_FAILED: 'The server refused the request',
  OPERATION_RESOLUTION_FAILURE: 'The server refused the request',
};

/** A stream's `StreamError.code` has more values than the API's error codes. */
const streamTitles: Record<string, string> = {
  STREAM_INTERRUPTED: 'The answer was interrupted',
  TIMEOUT: 'The model took too long to answer',
  RESPONSE_FAILED: 'The model could not finish this answer',
  MODEL_UNAVAILABLE: 'The model is unavailable',
};

export function errorTitle(code: string): string {
  return titles[code as ApiErrorCode] ?? streamTitles[code] ?? 'The answer stopped';
}

/** An inline alert with an optional Retry, used for failed actions and failed answers. */
export function renderAlert(options: {
  code: string;
  message: string;
  onRetry?: () => void;
  onDismiss?: () => void;
}): HTMLElement {
  return h(
    'div',
    { class: 'alert', role: 'alert', 'data-code': options.code },
    icon('alert'),
    h(
      'div',
      { class: 'alert-text' },
      h('strong', {}, errorTitle(options.code)),
      h('span', {}, options.message),
    ),
    options.onRetry
      ? h(
          'button',
          { type: 'button', class: 'button button--small', onClick: options.onRetry },
          icon('retry'),
          'Retry',
        )
      : null,
    options.onDismiss
      ? h(
          'button',
          {
            type: 'button',
            class: 'icon-button',
            'aria-label': 'Dismiss',
            onClick: options.onDismiss,
          },
          icon('close'),
        )
      : null,
  );
}
