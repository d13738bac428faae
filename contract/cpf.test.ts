import { describe, expect, it } from 'vitest';
import { cpfProblem, cpfSchema, generateCpf, hideCpf, maskCpfPartial } from './cpf.ts';

describe('cpfSchema', () => {
  it.each([
    ['529.982.247-25', '529.982.247-25'],
    ['52998224725', '529.982.247-25'],
    [' 111.444.777-35 ', '111.444.777-35'],
    ['000.000.001-91', '000.000.001-91'],
  ])('accepts %j as %s', (input, masked) => {
    expect(cpfSchema.parse(input)).toBe(masked);
  });

  it.each([
    ['529.982.247-26', 'check_digits'],
    ['52998224735', 'check_digits'],
    ['111.111.111-11', 'repeated_digits'],
    ['00000000000', 'repeated_digits'],
    ['529.982.24725', 'format'],
    ['5299822472', 'format'],
    ['529 982 247 25', 'format'],
    ['529.982.247-2a', 'format'],
    ['', 'format'],
  ])('refuses %j (%s)', (input, problem) => {
    expect(cpfProblem(input)).toBe(problem);
    const result = cpfSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message.length).toBeGreaterThan(20);
  });
});

describe('generateCpf', () => {
  it('makes masked CPFs that pass the check digits, never repeated digits', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    for (let i = 0; i < 500; i += 1) {
      const cpf = generateCpf(random);
      expect(cpf).toMatch(/^\d{3}\.\d{3}\.\d{3}-\d{2}$/);
      expect(cpfProblem(cpf)).toBeNull();
    }
    // A generator stuck on repeated digits must retry rather than emit 000.000.000-00.
    let calls = 0;
    const digits = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(cpfProblem(generateCpf(() => (digits[calls++ % digits.length] ?? 0) / 10))).toBeNull();
    expect(calls).toBe(18);
  });
});

describe('maskCpfPartial', () => {
  it.each([
    ['', ''],
    ['529', '529'],
    ['5299', '529.9'],
    ['5299822', '529.982.2'],
    ['5299822472', '529.982.247-2'],
    ['529.982.247-25999', '529.982.247-25'],
    ['abc529', '529'],
  ])('masks %j as %j', (input, output) => {
    expect(maskCpfPartial(input)).toBe(output);
  });
});

describe('hideCpf', () => {
  it.each([
    ['123.456.789-09', '***.456.789-**'],
    ['12345678909', '***.456.789-**'],
  ])('shows only the middle six digits of %j', (input, output) => {
    expect(hideCpf(input)).toBe(output);
  });

  it.each(['123.456.789-00', '111.111.111-11', 'abc', ''])('hides nothing of %j, which is no CPF', (input) => {
    expect(hideCpf(input)).toBeNull();
  });
});
