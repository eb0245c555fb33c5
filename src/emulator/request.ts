import { invalidRequest, invalidType } from './errors.js';

export type Role = 'user' | 'assistant' | 'system' | 'developer';

/** One message of a conversation, reduced to the text the reply generator reads. */
export interface TextMessage {
  role: Role;
  text: string;
}

/** A validated `POST /v1/responses` body. */
export interface CreateRequest {
  model: string;
  /** This request's `input` as messages (non-message items such as tool outputs are skipped). */
  messages: TextMessage[];
  instructions: string | null;
  previousResponseId: string | null;
  store: boolean;
  stream: boolean;
  maxOutputTokens: number | null;
  metadata: Record<string, string>;
}

const ROLES: readonly Role[] = ['user', 'assistant', 'system', 'developer'];
/** The API's lower bound for `max_output_tokens`. */
export const MIN_OUTPUT_TOKENS = 16;

type Check = [expected: string, test: (value: unknown) => boolean];
const isString: Check = ['a string', (v) => typeof v === 'string'];
const isBoolean: Check = ['a boolean', (v) => typeof v === 'boolean'];
const isNumber: Check = ['a number', (v) => typeof v === 'number' && Number.isFinite(v)];
const isArray: Check = ['an array', Array.isArray];
const isObject: Check = [
  'an object',
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
];

/** Known optional fields the emulator accepts but does not act on; only their types are checked. */
const PASSIVE_FIELDS: Record<string, Check> = {
  temperature: isNumber,
  top_p: isNumber,
  tools: isArray,
  include: isArray,
  parallel_tool_calls: isBoolean,
  background: isBoolean,
  user: isString,
  safety_identifier: isString,
  prompt_cache_key: isString,
  truncation: isString,
  service_tier: isString,
  text: isObject,
  reasoning: isObject,
  stream_options: isObject,
};

/** Validates like the API: the first problem found is a 400 in the API's error shape. */
export function parseCreateRequest(body: unknown): CreateRequest {
  if (!isObject[1](body)) throw invalidType('body', 'an object', body);
  const fields = body as Record<string, unknown>;

  if (fields.model === undefined || fields.model === null || fields.model === '') {
    throw invalidRequest(
      "Missing required parameter: 'model'.",
      'model',
      'missing_required_parameter',
    );
  }
  expect(fields, 'model', isString);
  for (const [name, check] of Object.entries(PASSIVE_FIELDS)) optional(fields, name, check);

  return {
    model: fields.model as string,
    messages: parseInput(fields.input),
    instructions: optional(fields, 'instructions', isString) as string | null,
    previousResponseId: optional(fields, 'previous_response_id', isString) as string | null,
    store: (optional(fields, 'store', isBoolean) as boolean | null) ?? true,
    stream: (optional(fields, 'stream', isBoolean) as boolean | null) ?? false,
    maxOutputTokens: parseMaxOutputTokens(fields.max_output_tokens),
    metadata: parseMetadata(fields.metadata),
  };
}

function expect(fields: Record<string, unknown>, name: string, [expected, test]: Check): unknown {
  const value = fields[name];
  if (!test(value)) throw invalidType(name, expected, value);
  return value;
}

function optional(fields: Record<string, unknown>, name: string, check: Check): unknown {
  const value = fields[name];
  return value === undefined || value === null ? null : expect(fields, name, check);
}

function parseMaxOutputTokens(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw invalidType('max_output_tokens', 'an integer', value);
  }
  if (value < MIN_OUTPUT_TOKENS) {
    throw invalidRequest(
      `Invalid 'max_output_tokens': integer below minimum value. Expected a value >= ${MIN_OUTPUT_TOKENS}, but got ${value} instead.`,
      'max_output_tokens',
      'integer_below_min_value',
    );
  }
  return value;
}

function parseMetadata(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject[1](value)) throw invalidType('metadata', 'an object', value);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 16) {
    throw invalidRequest(
      `Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got an object with ${entries.length} properties instead.`,
      'metadata',
      'object_above_max_properties',
    );
  }
  for (const [key, item] of entries) {
    if (typeof item !== 'string') throw invalidType(`metadata.${key}`, 'a string', item);
  }
  return value as Record<string, string>;
}

function parseInput(input: unknown): TextMessage[] {
  if (input === undefined || input === null) return [];
  if (typeof input === 'string') return [{ role: 'user', text: input }];
  if (!Array.isArray(input)) throw invalidType('input', 'a string or an array', input);
  const messages: TextMessage[] = [];
  input.forEach((item: unknown, index) => {
    const message = parseItem(item, `input[${index}]`);
    if (message) messages.push(message);
  });
  return messages;
}

/** A message item becomes a TextMessage; other item types (tool calls, references) are skipped. */
function parseItem(item: unknown, path: string): TextMessage | null {
  if (!isObject[1](item)) throw invalidType(path, 'an object', item);
  const { type, role, content } = item as Record<string, unknown>;
  if (type !== undefined && type !== 'message') return null;
  if (!ROLES.includes(role as Role)) {
    if (role === undefined) {
      throw invalidRequest(
        `Missing required parameter: '${path}.role'.`,
        `${path}.role`,
        'missing_required_parameter',
      );
    }
    throw invalidRequest(
      `Invalid value: '${String(role)}'. Supported values are: 'user', 'assistant', 'system', and 'developer'.`,
      `${path}.role`,
      'invalid_value',
    );
  }
  if (typeof content === 'string') return { role: role as Role, text: content };
  if (!Array.isArray(content))
    throw invalidType(`${path}.content`, 'a string or an array', content);
  const texts = content.map((part: unknown, index) => partText(part, `${path}.content[${index}]`));
  return { role: role as Role, text: texts.join('\n') };
}

function partText(part: unknown, path: string): string {
  if (!isObject[1](part)) throw invalidType(path, 'an object', part);
  const fields = part as Record<string, unknown>;
  switch (fields.type) {
    case 'input_text':
    case 'output_text':
      if (typeof fields.text !== 'string')
        throw invalidType(`${path}.text`, 'a string', fields.text);
      return fields.text;
    case 'refusal':
      return typeof fields.refusal === 'string' ? fields.refusal : '';
    case 'input_image':
      return '[image]';
    case 'input_file':
      return typeof fields.filename === 'string' ? `[file: ${fields.filename}]` : '[file]';
    default:
      throw invalidRequest(
        `Invalid value: '${String(fields.type)}'. Supported values are: 'input_text', 'input_image', 'input_file', 'output_text', and 'refusal'.`,
        `${path}.type`,
        'invalid_value',
      );
  }
}
