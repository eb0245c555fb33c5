import { ValidationError } from '../services/errors.js';
import { builder } from './builder.js';

builder.scalarType('DateTime', {
  description: 'An ISO-8601 date and time in UTC, e.g. 2025-01-31T12:00:00.000Z',
  serialize: (seconds) => new Date(seconds * 1000).toISOString(),
  parseValue: (value) => {
    const millis = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(millis)) throw new ValidationError('DateTime must be an ISO-8601 string');
    return millis / 1000;
  },
});
