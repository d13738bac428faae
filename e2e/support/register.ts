import type { Page } from '@playwright/test';

/** Ticks "O cliente leu e aceitou o termo de consentimento": without it no registration is sent. */
export async function acceptConsent(page: Page): Promise<void> {
  await page.getByRole('checkbox', { name: /O cliente leu e aceitou o termo de consentimento/ }).check();
}
