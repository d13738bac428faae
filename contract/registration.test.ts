import { describe, expect, it } from 'vitest';
import { MAX_IMAGE_BASE64_CHARS, MAX_IMAGE_BYTES, base64DecodedBytes, base64Problem } from './image.ts';
import { errorBodySchema, registrationAnswerSchema, upstreamErrorBodySchema } from './registration.ts';
import { validationAnswerSchema } from './validation.ts';
import { registrationRequestSchema, validationRequestSchema } from './requests.ts';

const KEY = '0b7e7c43-1d7e-4c39-8f1f-0e1f5d6b2a11';

describe('registrationRequestSchema', () => {
  it('normalises the CPF and keeps exactly the one picture given', () => {
    expect(registrationRequestSchema.parse({ document_number: '52998224725', image: 'QUJD' })).toEqual({
      document_number: '529.982.247-25',
      image: 'QUJD',
    });
    expect(registrationRequestSchema.parse({ document_number: '529.982.247-25', image_key: KEY })).toEqual({
      document_number: '529.982.247-25',
      image_key: KEY,
    });
  });

  it('measures the decoded size exactly at the 3,000,000-byte boundary', () => {
    const exact = 'A'.repeat(MAX_IMAGE_BASE64_CHARS);
    expect(base64DecodedBytes(exact)).toBe(MAX_IMAGE_BYTES);
    expect(registrationRequestSchema.safeParse({ document_number: '529.982.247-25', image: exact }).success).toBe(true);
    const over = `${exact}AAA=`;
    const result = registrationRequestSchema.safeParse({ document_number: '529.982.247-25', image: over });
    expect(result.error?.issues[0]).toMatchObject({ path: ['image'], params: { image: 'too_large' } });
  });

  it('names an unknown field so a typo is found', () => {
    const result = registrationRequestSchema.safeParse({ document_number: '529.982.247-25', image: 'QUJD', image_Key: KEY });
    expect(result.error?.issues[0]?.message).toContain('"image_Key"');
  });
});

describe('answers', () => {
  it("keeps only the contract's fields of an answer: whatever else an upstream adds is dropped", () => {
    expect(registrationAnswerSchema.parse({ registration_key: KEY, status: 'ok', headers: { authorization: 'k' } })).toEqual({
      registration_key: KEY,
    });
    expect(errorBodySchema.parse({ title: 'image_quality', description: 'x', image_status: 'not_center' }).image_status).toBe('not_center');
    expect(upstreamErrorBodySchema.parse({ title: 'image_quality', description: 'x', image_status: 'not_center', echo: 'k' })).toEqual({
      title: 'image_quality',
      description: 'x',
      image_status: 'not_center',
    });
  });

  it('refuses an upstream refusal whose title is no identifier, or whose text is unbounded', () => {
    expect(upstreamErrorBodySchema.safeParse({ title: 'Authorization: k3y', description: 'x' }).success).toBe(false);
    expect(upstreamErrorBodySchema.safeParse({ title: 'image_quality', description: 'x'.repeat(2001) }).success).toBe(false);
  });
});

describe('strict base64', () => {
  it.each([
    ['QUJD', null],
    ['QUI=', null],
    ['QQ==', null],
    ['', 'empty'],
    ['QQ=A', 'alphabet'],
    ['Q=Q=', 'alphabet'],
    ['QQ===', 'alphabet'],
    ['QUJ-', 'alphabet'],
    ['QUJDé', 'alphabet'],
    ['QUJ', 'length'],
    ['QU JD', 'whitespace'],
    ['QU\nJD', 'whitespace'],
    ['data:image/png;base64,QUJD', 'data_url'],
  ])('%j → %s', (value, problem) => {
    expect(base64Problem(value)).toBe(problem);
  });
});

describe('validationAnswerSchema (issue 13)', () => {
  const answer = {
    validation_key: KEY,
    document_number: '529.982.247-25',
    registration: { registration_key: KEY, registration_status: 'active', registration_date: '2026-11-30T12:00:00.000Z' },
    similarity_ratio: 99,
    validation_result: 'pass',
  };

  it("takes similarity_ratio as an integer 0–100, or the string QI Tech's example sends, and drops unknown fields", () => {
    expect(validationAnswerSchema.parse({ ...answer, extra: 'x' })).toEqual(answer);
    expect(validationAnswerSchema.parse({ ...answer, similarity_ratio: '99' }).similarity_ratio).toBe('99');
    for (const ratio of [101, -1, 99.5, '101', '', 'x']) {
      expect(validationAnswerSchema.safeParse({ ...answer, similarity_ratio: ratio }).success, String(ratio)).toBe(false);
    }
  });

  it('has the same request rules as a registration', () => {
    const bodies = [{ document_number: '52998224725', image: 'QUJD' }, { document_number: '529.982.247-25' }, { image_key: KEY }, {}];
    for (const body of bodies) {
      expect(validationRequestSchema.safeParse(body)).toEqual(registrationRequestSchema.safeParse(body));
    }
  });
});
