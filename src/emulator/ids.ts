import { randomBytes } from 'node:crypto';

/** An id shaped like the API's: a prefix and 48 hex characters (`resp_...`, `msg_...`, `rs_...`). */
export function newId(prefix: 'resp' | 'msg' | 'rs' | 'req'): string {
  return `${prefix}_${randomBytes(24).toString('hex')}`;
}
