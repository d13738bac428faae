import './styles.css';
import { screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { page } from 'vitest/browser';
import { describe, expect, it } from 'vitest';
import { renderConsole } from '../test/render.tsx';
import { Console } from './app.tsx';

// The header with the stylesheet, at a phone's size and a desktop's: what shows is the CSS's doing,
// so these tests load it (the others render the console without it). Logged in as the registrar.

const menuButton = () => screen.getByRole('button', { name: 'Menu' });
const nav = () => screen.queryByRole('navigation', { name: 'Navegação principal' });

describe('the header on a phone (390×844)', () => {
  it('is one row over the banner; "Menu" shows the navigation and the controls, Escape folds them back', async () => {
    await page.viewport(390, 844);
    await renderConsole(<Console />, { path: '/?env=local' });
    await screen.findByRole('heading', { name: 'Cadastrar rosto', level: 1 });
    await screen.findByTestId('environment-banner');

    expect(screen.getByRole('banner').getBoundingClientRect().height).toBeLessThanOrEqual(100);
    expect(menuButton()).toHaveAttribute('aria-expanded', 'false');
    expect(nav()).toBeNull();
    expect(screen.queryByRole('combobox', { name: 'Ambiente' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Sair' })).toBeNull();

    await userEvent.click(menuButton());
    expect(menuButton()).toHaveAttribute('aria-expanded', 'true');
    const menu = document.getElementById(menuButton().getAttribute('aria-controls') ?? '');
    if (menu === null) throw new Error('"Menu" controls no element');
    expect(
      within(menu)
        .getAllByRole('link')
        .map((link) => link.textContent),
    ).toEqual(['Cadastrar rosto', 'Consultar cadastro', 'Validar rosto', 'Cadastro em lote']);
    expect(within(menu).getByRole('combobox', { name: 'Ambiente' })).toBeVisible();
    expect(within(menu).getByRole('combobox', { name: 'Idioma' })).toBeVisible();
    expect(within(menu).getByTestId('account')).toHaveTextContent(/Conectado como .* \(Atendente de cadastro\)/);
    expect(within(menu).getByRole('button', { name: 'Sair' })).toBeVisible();

    // Tab goes into the menu, right after its button; Escape there folds it and returns to the button.
    await userEvent.tab();
    expect(screen.getByRole('link', { name: 'Cadastrar rosto' })).toHaveFocus();
    await userEvent.tab();
    await userEvent.tab();
    await userEvent.tab();
    await userEvent.tab();
    expect(screen.getByRole('combobox', { name: 'Ambiente' })).toHaveFocus();
    await userEvent.keyboard('{Escape}');
    expect(menuButton()).toHaveAttribute('aria-expanded', 'false');
    expect(menuButton()).toHaveFocus();
    expect(nav()).toBeNull();

    // Escape on the button itself too; Enter and Space open it, as any button.
    await userEvent.keyboard('{Enter}');
    expect(nav()).not.toBeNull();
    await userEvent.keyboard('{Escape}');
    expect(nav()).toBeNull();
    await userEvent.keyboard(' ');
    expect(nav()).not.toBeNull();
  });

  it('folds once a page is chosen in it, and that page takes focus', async () => {
    await page.viewport(390, 844);
    const { location } = await renderConsole(<Console />, { path: '/?env=local' });
    await screen.findByRole('heading', { name: 'Cadastrar rosto', level: 1 });
    await userEvent.click(menuButton());
    await userEvent.click(screen.getByRole('link', { name: 'Consultar cadastro' }));
    expect(await screen.findByRole('heading', { name: 'Consultar cadastro', level: 1 })).toBeVisible();
    expect(location.history.at(-1)).toBe('/lookup?env=local');
    expect(menuButton()).toHaveAttribute('aria-expanded', 'false');
    expect(nav()).toBeNull();
    await waitFor(() => expect(screen.getByRole('main')).toHaveFocus());
  });
});

describe('the header on a desktop (1280×800)', () => {
  it('shows the navigation and the controls in the row, with no menu button', async () => {
    await page.viewport(1280, 800);
    await renderConsole(<Console />, { path: '/?env=local' });
    await screen.findByRole('heading', { name: 'Cadastrar rosto', level: 1 });
    expect(screen.queryByRole('button', { name: 'Menu' })).toBeNull();
    expect(nav()).toBeVisible();
    expect(screen.getByRole('combobox', { name: 'Ambiente' })).toBeVisible();
    expect(screen.getByRole('combobox', { name: 'Idioma' })).toBeVisible();
    expect(screen.getByRole('button', { name: 'Sair' })).toBeVisible();
    // The brand, the navigation and the controls side by side: the header is not taller than two rows and the banner.
    expect(screen.getByRole('banner').getBoundingClientRect().height).toBeLessThanOrEqual(140);
  });
});
