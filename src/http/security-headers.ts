import type { Plugin } from 'graphql-yoga';

/**
 * What every response of the API carries, yoga's and those sent before yoga (a refused body,
 * `/healthz`): the web app's files set their own, with a wider Content-Security-Policy.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  // GraphiQL may be opened with ?token=; keep it out of Referer headers.
  'Referrer-Policy': 'no-referrer',
  // Answers are one user's data, and GraphiQL's page may carry a token: stored nowhere.
  'Cache-Control': 'no-store',
  // Nor may another site frame GraphiQL to run operations in it.
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "frame-ancestors 'none'",
};

/** Sets `SECURITY_HEADERS` on yoga's responses, keeping a Cache-Control one already has. */
export function useSecurityHeaders(): Plugin {
  return {
    onResponse({ response }) {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
        if (name !== 'Cache-Control' || !response.headers.has(name)) {
          response.headers.set(name, value);
        }
      }
    },
  };
}
