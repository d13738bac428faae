/**
 * A strong password for a new account or a reset: 15 random bytes (120 bits) as 20 characters
 * of base64url, easy to copy whole. The same in the browser (the Contas page) and in
 * `npm run user`: both have Web Crypto's getRandomValues.
 */
export function generatePassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(15));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
}
