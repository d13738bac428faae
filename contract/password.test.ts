import { describe, expect, it } from 'vitest';
import { passwordSchema } from './access.ts';
import { generatePassword } from './password.ts';

describe('generatePassword', () => {
  it('makes 20 base64url characters that the password rules accept, different each time', () => {
    const passwords = Array.from({ length: 200 }, generatePassword);
    for (const password of passwords) {
      expect(password).toMatch(/^[A-Za-z0-9_-]{20}$/);
      expect(passwordSchema.safeParse(password).success).toBe(true);
    }
    expect(new Set(passwords).size).toBe(passwords.length);
  });
});
