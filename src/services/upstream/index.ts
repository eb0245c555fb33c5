/** The Responses client a server runs with: in-process, or in `config.upstreamThreads` threads. */
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import { createResponsesClient, type ResponsesClient } from '../responses-client.js';
import { createThreadedResponsesClient } from './threaded-client.js';

export function createUpstreamClient(
  config: Config,
  logger: Logger,
  options: { baseURL?: string; apiKey?: string } = {},
): ResponsesClient {
  return config.upstreamThreads > 0
    ? createThreadedResponsesClient(config, logger, { ...options, threads: config.upstreamThreads })
    : createResponsesClient(config, logger, options);
}
