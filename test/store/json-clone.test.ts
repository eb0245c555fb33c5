import { describe, expect, it } from 'vitest';
import { cloneJson } from '../../src/services/store/json-clone.js';

describe('cloneJson', () => {
  it('copies a JSON value deeply: changing the copy leaves the original as it was', () => {
    const original = {
      text: 'hi',
      n: 1.5,
      none: null,
      flag: false,
      list: [1, 'two', { three: [3] }, null],
      nested: { usage: { input_tokens: 3 } },
    };
    const copy = cloneJson(original);
    expect(copy).toEqual(original);
    copy.list.push(4);
    (copy.list[2] as { three: number[] }).three.push(4);
    copy.nested.usage.input_tokens = 9;
    expect(original.list).toEqual([1, 'two', { three: [3] }, null]);
    expect(original.nested.usage.input_tokens).toBe(3);
  });

  it('copies a value with toJSON (a Date) as JSON.stringify writes it, as a reload reads it', () => {
    const original = { metadata: { at: new Date(0), nested: [new Date(1_000)] } };
    const copy = cloneJson(original);
    expect(copy).toEqual({
      metadata: { at: '1970-01-01T00:00:00.000Z', nested: ['1970-01-01T00:00:01.000Z'] },
    });
    expect(copy).toEqual(JSON.parse(JSON.stringify(original)));
  });

  it('keeps a `__proto__` key an own key, as JSON.parse makes it, and sets no prototype', () => {
    const original = JSON.parse('{"metadata":{"__proto__":{"polluted":true},"a":1}}');
    const copy = cloneJson(original);
    expect(Object.keys(copy.metadata)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(copy.metadata)).toBe(Object.prototype);
    expect(copy.metadata.polluted).toBeUndefined();
    expect(JSON.stringify(copy)).toBe(JSON.stringify(original));
    const own = (value: object) => Object.getOwnPropertyDescriptor(value, '__proto__')?.value;
    expect(own(copy.metadata)).toEqual({ polluted: true });
    expect(own(copy.metadata)).not.toBe(own(original.metadata));
  });
});
