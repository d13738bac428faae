import { describe, expect, it } from 'vitest';
import { readSearch } from './search.ts';

const KEY = '3f2b6c1e-8d4a-4f7b-9c2e-1a5d7e9f0b3c';

describe('readSearch: what the one box holds', () => {
  it('reads a registration key in any case, looked up in lower case', () => {
    expect(readSearch(` ${KEY.toUpperCase()} `)).toEqual({ ok: true, lookup: { by: 'key', key: KEY } });
  });

  it.each(['529.982.247-25', '52998224725', ' 529 982 247 25 ', '529.982.247/25', '529982247-25'])(
    'reads the CPF %j, looked up masked',
    (typed) => {
      expect(readSearch(typed)).toEqual({ ok: true, lookup: { by: 'document', cpf: '529.982.247-25' } });
    },
  );

  it.each([
    ['', 'required'],
    ['   ', 'required'],
    ['529.982.247-2', 'format'],
    ['529982247255', 'format'],
    ['000.000.000-00', 'repeated_digits'],
    ['529.982.247-26', 'check_digits'],
    [KEY.slice(0, -1), 'key'],
    [`${KEY}0`, 'key'],
    [KEY.replaceAll('-', ''), 'key'],
    ['12345678-1234-1234-1234-12345678901', 'key'],
    ['maria', 'neither'],
    ['https://console/lookup/key/x', 'neither'],
    ['529.982.247-25; drop', 'neither'],
  ])('refuses %j: %s', (typed, problem) => {
    expect(readSearch(typed)).toEqual({ ok: false, problem });
  });
});
